"""sitemap.xml: the home page, every community page and every listed event, with absolute URLs from SITE_URL."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from events import selectors


class SiteUrlSitemap(Sitemap):
    """Addresses on settings.SITE_URL whatever host the request came through (a proxy, 127.0.0.1...)."""

    def get_urls(self, page=1, site=None, protocol=None):
        parts = urlsplit(settings.SITE_URL)
        return super().get_urls(page=page, site=SimpleNamespace(domain=parts.netloc), protocol=parts.scheme)


class HomeSitemap(SiteUrlSitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["events:home"]

    def location(self, item):
        return reverse(item)


class CommunitySitemap(SiteUrlSitemap):
    changefreq = "weekly"
    priority = 0.7

    def items(self):
        return selectors.sitemap_communities()

    def lastmod(self, item):
        return item.updated_at


class EventSitemap(SiteUrlSitemap):
    changefreq = "daily"
    priority = 0.8
    limit = 5000

    def items(self):
        return selectors.sitemap_events()

    def lastmod(self, item):
        return item.updated_at


SITEMAPS = {"home": HomeSitemap, "communities": CommunitySitemap, "events": EventSitemap}
