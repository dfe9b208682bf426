"""Who may read a collection: decided by the authenticated user alone."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from ingestion.selectors import collections_readable_by
from tests.factories import CollectionFactory, UserFactory


@pytest.mark.django_db
def test_read_permission_comes_from_users_groups_public_flag_and_ops(settings):
    private, grouped, public = (CollectionFactory(slug=s) for s in ["private", "grouped", "public"])
    alice, bob = (UserFactory(username=n) for n in ["alice", "bob"])
    olga = UserFactory(username="olga", is_staff=True)
    # In the ops group but not staff: not ops (README, Roles), reads what any user reads.
    nora = UserFactory(username="nora")
    readers = Group.objects.create(name="Readers")
    also_readers = Group.objects.create(name="Also readers")
    bob.groups.add(readers, also_readers)
    ops = Group.objects.create(name=settings.OPS_GROUP)
    olga.groups.add(ops)
    nora.groups.add(ops)
    private.readers.add(alice)
    grouped.reader_groups.add(readers, also_readers)
    public.is_public = True
    public.save()

    def slugs(user) -> set[str]:
        readable = list(collections_readable_by(user).values_list("slug", flat=True))
        assert len(readable) == len(set(readable)), "each collection once"
        return set(readable)

    assert slugs(alice) == {"private", "public"}
    assert slugs(bob) == {"grouped", "public"}
    assert slugs(olga) == {"private", "grouped", "public"}
    assert slugs(nora) == {"public"}
    assert slugs(AnonymousUser()) == set()
    assert slugs(UserFactory(username="root", is_superuser=True)) == {
        "private",
        "grouped",
        "public",
    }
