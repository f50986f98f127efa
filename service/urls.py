from django.urls import path

from . import views

app_name = "service"

urlpatterns = [
    path("requests/", views.request_list, name="list"),
    path("requests/new/", views.choose_kind, name="choose"),
    path("requests/new/<str:kind>/", views.new_request, name="new"),
    path("requests/<int:request_id>/", views.detail, name="detail"),
    path("requests/<int:request_id>/reply/", views.reply, name="reply"),
    path("requests/<int:request_id>/close/", views.close, name="close"),
    path("requests/<int:request_id>/rate/", views.rate, name="rate"),
    path("requests/<int:request_id>/files/<int:attachment_id>/", views.attachment, name="attachment"),
    path("faq/", views.faq, name="faq"),
]
