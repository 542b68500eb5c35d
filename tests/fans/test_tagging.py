"""tag_fans: the one entry point the attendee list and the people page share for tagging."""

import pytest

from attendees.models import Fan, Tag
from attendees.services.fans import FanError, tag_fans


def fan(community, email, name="Someone"):
    return Fan.objects.create(community=community, email=email, name=name)


def tags_of(f):
    return sorted(f.tags.values_list("name", flat=True))


def test_tag_fans_creates_the_tag_and_tags_only_this_communitys_fans(community, other_community, organiser):
    a, b = fan(community, "a@example.com"), fan(community, "b@example.com")
    stranger = fan(other_community, "c@example.com")

    done = tag_fans(community=community, fan_ids=[a.pk, b.pk, stranger.pk, "junk", -3], tag_name="  Speaker  ",
                    by=organiser)  # fmt: skip

    assert (done.tag.name, done.tag.community, done.tagged, done.already) == ("Speaker", community, 2, 0)
    assert (tags_of(a), tags_of(b), tags_of(stranger)) == (["Speaker"], ["Speaker"], [])


def test_tag_fans_twice_reuses_the_tag_whatever_its_case(community, organiser):
    a, b = fan(community, "a@example.com"), fan(community, "b@example.com")
    tag_fans(community=community, fan_ids=[a.pk], tag_name="Speaker", by=organiser)

    done = tag_fans(community=community, fan_ids=Fan.objects.values_list("pk", flat=True), tag_name="speaker",
                    by=organiser)  # fmt: skip

    assert (done.tagged, done.already) == (1, 1)
    assert list(Tag.objects.values_list("name", flat=True)) == ["Speaker"]
    assert (tags_of(a), tags_of(b)) == (["Speaker"], ["Speaker"])


@pytest.mark.parametrize("name", ["", "   ", None, "x" * 51])
def test_tag_fans_refuses_a_bad_name_and_changes_nothing(community, organiser, name):
    a = fan(community, "a@example.com")

    with pytest.raises(FanError) as exc:
        tag_fans(community=community, fan_ids=[a.pk], tag_name=name, by=organiser)

    assert exc.value.code == "tag_invalid"
    assert Tag.objects.count() == 0


def test_tag_fans_takes_fans_and_skips_tickets_not_linked_yet(community, organiser):
    a, b = fan(community, "a@example.com"), fan(community, "b@example.com")

    done = tag_fans(community=community, fan_ids=[a, None, b.pk, "7x"], tag_name="sponsor", by=organiser)

    assert (done.tagged, tags_of(a), tags_of(b)) == (2, ["sponsor"], ["sponsor"])
