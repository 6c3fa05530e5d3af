"""What differs between the supported Wagtail versions (7.x and 8.x), in one place.

- Permission policies: Wagtail 8 keeps them in a registry (``wagtail.permissions``) that its
  views consult; Wagtail 7 views take the policy from their viewset's ``permission_policy``.
  ``register_permission_policy`` records the policy for both, and viewsets that use one
  inherit ``PolicyViewSetMixin``.
- The "more" dropdown items of listing rows: ``wagtail.admin.ui.menus.MenuItem`` in 8,
  ``wagtail.admin.widgets.ListingButton`` (same arguments) in 7.
- Snippet edit handlers: Wagtail 8 also attaches them to the model
  (``attach_model_edit_handler``); Wagtail 7 reads them from the viewset only.
- Ordering listings by dragging rows (``ReorderView``): Wagtail 7.1 and later; on 7.0
  ``ReorderView`` is ``None`` and the order is edited in the form.
- ``PermissionCheckedMixin``: Wagtail 8 finds a standalone view's policy from its ``model``;
  Wagtail 7 silently skips the check when the view sets no ``permission_policy``. Ours
  always checks.
"""

from __future__ import annotations

from django.utils.functional import cached_property
from wagtail.admin.views.generic.permissions import (
    PermissionCheckedMixin as _PermissionCheckedMixin,
)

try:  # Wagtail 7.1 and later: listings ordered by dragging rows (``sort_order_field``)
    from wagtail.admin.views.generic import ReorderView
except ImportError:  # Wagtail 7.0: the order is the form's number field
    ReorderView = None

try:  # Wagtail 8
    from wagtail.admin.ui.menus import MenuItem as ListingMoreItem
except ImportError:  # Wagtail 7
    from wagtail.admin.widgets import ListingButton as ListingMoreItem

try:  # Wagtail 8
    from wagtail.permissions import policy_registry
    from wagtail.permissions import register_permission_policy as _register_policy
except ImportError:  # Wagtail 7
    policy_registry = None
    _register_policy = None

__all__ = [
    "ListingMoreItem",
    "ReorderView",
    "PermissionCheckedMixin",
    "PolicyViewSetMixin",
    "attach_model_edit_handler",
    "permission_policy_for",
    "register_permission_policy",
]

_policies: dict[type, object] = {}


def register_permission_policy(model: type, policy) -> None:
    """Make ``policy`` the permission policy of ``model`` (once; a policy the host
    registered first wins)."""
    if policy_registry is not None:
        if policy_registry.get_by_type(model, fallback=False) is None:
            _register_policy(model, policy)
        return
    _policies.setdefault(model, policy)


def permission_policy_for(model: type):
    """The policy registered for ``model``, or None."""
    if policy_registry is not None:
        return policy_registry.get_by_type(model, fallback=False)
    return _policies.get(model)


class PolicyViewSetMixin:
    """For ``ModelViewSet`` subclasses whose model has a registered permission policy."""

    @cached_property
    def permission_policy(self):
        return permission_policy_for(self.model) or super().permission_policy


class PermissionCheckedMixin(_PermissionCheckedMixin):
    """Checks ``permission_required`` against the view model's registered policy, else its
    Django model permissions, on every Wagtail version."""

    @cached_property
    def permission_policy(self):
        from wagtail.permission_policies import ModelPermissionPolicy

        model = getattr(self, "model", None)
        if model is None:
            return None
        return permission_policy_for(model) or ModelPermissionPolicy(model)


def attach_model_edit_handler(viewset) -> None:
    """Let the model pick up the viewset's (changed) edit handler where Wagtail does that."""
    attach = getattr(viewset, "attach_model_edit_handler", None)
    if attach is not None:
        attach()
