"""Fixtures shared by the whole suite."""

import pytest
from django.core.cache import caches
from django.utils import translation

from tests.factories import CommunityFactory, MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    """Pages are cached; every test starts from an empty cache so tests cannot leak into each other."""
    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request leaves its language (French, say) active in the thread; the next test starts in the default one."""
    yield
    translation.deactivate()


@pytest.fixture
def community(db):
    return CommunityFactory()


@pytest.fixture
def organiser(community):
    return MembershipFactory(community=community).user


@pytest.fixture
def volunteer(community):
    from events.models import Membership

    return MembershipFactory(community=community, role=Membership.Role.VOLUNTEER).user


@pytest.fixture
def organiser_client(client, organiser):
    client.force_login(organiser)
    return client


@pytest.fixture
def user(db):
    return UserFactory()
