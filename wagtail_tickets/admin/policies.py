"""Who may use the ticket screens of the admin. Ticket access is given per type
(``TypePermission``), so the admin asks ``permissions.py`` instead of Django's model
permissions; the policy is registered when the app is ready, before Wagtail needs one."""

from __future__ import annotations

from wagtail.permission_policies.base import BasePermissionPolicy

from .. import permissions


class AgentTicketPolicy(BasePermissionPolicy):
    """Tickets in the admin belong to agents: a user with manage on at least one type
    reaches the inbox; each ticket is theirs when they manage its type. Who is an agent
    is ``permissions``' rule alone (``is_agent``, and ``agents`` as a query)."""

    ACTIONS = frozenset({"add", "change", "view"})

    def user_has_permission(self, user, action):
        return action in self.ACTIONS and permissions.is_agent(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return action in {"change", "view"} and permissions.can_manage(user, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        return permissions.agent_tickets(user)

    def users_with_any_permission(self, actions):
        agents = permissions.agents()
        return agents if self.ACTIONS.intersection(actions) else agents.none()


def register_policies() -> None:
    from ..compat import register_permission_policy
    from ..models import Ticket

    register_permission_policy(Ticket, AgentTicketPolicy(Ticket))
