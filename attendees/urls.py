"""Registration URLs: the fan pages (register, order and tickets, my tickets, waiting list) and the Stripe webhook."""

from django.urls import path

from attendees import views

app_name = "attendees"
urlpatterns = [
    path("c/<slug:community>/<slug:event>/register/", views.register, name="register"),
    path("c/<slug:community>/<slug:event>/waiting-list/", views.waitinglist_join, name="waitinglist_join"),
    # The Stripe success URL (attendees.services.payments.order_page_url) and the e-mails point here.
    path("orders/<str:token>/", views.order, name="order"),
    path("orders/<str:token>/status/", views.order_status, name="order_status"),
    path("orders/<str:token>/cancel/", views.order_cancel, name="order_cancel"),
    path("my/tickets/", views.my_tickets, name="my_tickets"),
    path("waiting-list/<str:token>/", views.waitinglist_entry, name="waitinglist_entry"),
    path("waiting-list/<str:token>/leave/", views.waitinglist_leave, name="waitinglist_leave"),
    path("waiting-list/offer/<str:token>/", views.waitinglist_claim, name="waitinglist_claim"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
