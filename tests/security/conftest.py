# The progress fixtures (mid-May 2026, a temporary media folder) serve the upload tests too.
from tests.progress.conftest import in_may, media  # noqa: F401
