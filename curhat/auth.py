"""The authentication backend: Django's ModelBackend, reading the signed-in user together with what
every staff page asks of them."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db.models import Prefetch


class StaffBackend(ModelBackend):
    """Each page needs the user, their roles (groups: ``tickets.roles``) and whether they are an
    official (the top bar's queue link): two queries here instead of three, one by one."""

    def get_user(self, user_id):
        User = get_user_model()
        users = User._default_manager.select_related("official").prefetch_related(
            Prefetch("groups", queryset=Group.objects.only("id", "name"))
        )
        try:
            user = users.get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
