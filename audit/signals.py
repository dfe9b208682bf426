"""Sign-in, sign-out, failed sign-in and group membership, from Django's own signals, so every
path (the login page, the admin, the API's session login) is covered."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from audit.services import Action, record


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def on_sign_in(sender, request, user, **kwargs) -> None:
    record(action=Action.SIGN_IN, actor=user, target=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit_sign_out")
def on_sign_out(sender, request, user, **kwargs) -> None:
    record(action=Action.SIGN_OUT, actor=user, target=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def on_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django already masks the password in `credentials`; keep only the name that was tried.
    username = str(credentials.get(get_user_model().USERNAME_FIELD, ""))[:150]
    record(action=Action.SIGN_IN_FAILED, request=request, username=username)


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="audit_groups")
def on_groups_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    event = Action.GROUPS_ADDED if action == "post_add" else Action.GROUPS_REMOVED
    if reverse:  # group.user_set.add(...): one event per user, as from the user's side
        users = get_user_model().objects.filter(pk__in=pk_set)
        for user in users:
            record(action=event, target=user, groups=[instance.name])
        return
    names = sorted(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    record(action=event, target=instance, groups=names)
