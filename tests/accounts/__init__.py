"""Tests of the account pages and flows (django-allauth in the site's look)."""
