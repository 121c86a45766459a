from django.urls import path

from .views import applications, awards, cycles, public, review

app_name = "reviews"
urlpatterns = [
    path("", review.queue, name="queue"),
    path("mine/", applications.mine, name="mine"),
    path("apply/<str:code>/", applications.apply, name="apply"),
    path("bulk-approve/", review.bulk_approve, name="bulk"),
    path("applications/<int:pk>/", applications.detail, name="detail"),
    path("applications/<int:pk>/resubmit/", applications.resubmit, name="resubmit"),
    path("applications/<int:pk>/pass/", review.pass_step, name="pass"),
    path("applications/<int:pk>/return/", review.send_back, name="return"),
    path("applications/<int:pk>/approve/", review.approve, name="approve"),
    path("applications/<int:pk>/reject/", review.reject, name="reject"),
    path("applications/<int:pk>/object/", awards.file_objection, name="object"),
    path("applications/<int:pk>/record-objection/", awards.record_objection,
         name="record_objection"),
    path("applications/<int:pk>/award/", awards.award, name="award"),
    path("objections/<int:pk>/resolve/", awards.resolve_objection, name="resolve"),
    path("awards/<int:pk>/certificate/", awards.certificate, name="certificate"),
    path("awards/<int:pk>/revoke/", awards.revoke, name="revoke"),
    path("awards/<int:pk>/reinstate/", awards.reinstate, name="reinstate"),
    path("cycles/", cycles.cycle_list, name="cycles"),
    path("cycles/new/", cycles.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", cycles.cycle_detail, name="cycle"),
    path("cycles/<int:pk>/edit/", cycles.cycle_edit, name="cycle_edit"),
    path("cycles/<int:pk>/target/", cycles.cycle_target, name="cycle_target"),
    path("cycles/<int:pk>/publish/", cycles.publish_notice, name="publish"),
    path("cycles/<int:pk>/notice/", cycles.notice, name="notice"),
    # The public 公示 board of a county (6-digit code): no login.
    path("public/<str:code>/", public.notice_board, name="public_notice"),
    path("public/<str:code>/applications/<int:pk>/object/", public.public_objection,
         name="public_object"),
]
