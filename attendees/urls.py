"""Registration URLs; for now the Stripe webhook (the order, ticket and waiting-list pages come next)."""

from django.urls import path

from attendees import views

app_name = "attendees"
urlpatterns = [
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
