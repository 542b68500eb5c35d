"""Organiser pages of registration, under the event's organiser address (mounted at /manage/)."""

from django.urls import path

from attendees import views_manage as views

app_name = "attendees_manage"

_registrations = "<slug:community>/events/<slug:event>/registrations/"
_order = _registrations + "<int:order>/"
_questions = "<slug:community>/events/<slug:event>/questions/"
_question = _questions + "<int:question>/"

urlpatterns = [
    path(_registrations, views.registrations, name="registrations"),
    path(_registrations + "add/", views.registration_add, name="registration_add"),
    path(_order + "approve/", views.order_approve, name="order_approve"),
    path(_order + "decline/", views.order_decline, name="order_decline"),
    path(_order + "cancel/", views.order_cancel, name="order_cancel"),
    path(_order + "refund/", views.order_refund, name="order_refund"),
    path(_order + "resend/", views.order_resend, name="order_resend"),
    path(_questions, views.questions, name="questions"),
    path(_questions + "new/", views.question_create, name="question_create"),
    path(_question + "edit/", views.question_edit, name="question_edit"),
    path(_question + "delete/", views.question_delete, name="question_delete"),
    path(_question + "move/", views.question_move, name="question_move"),
]
