"""Who sees and processes which traffic and documents (DLR-03/04, issue 6 item 7).

- Supervisors (managers, administrators) see and process everything.
- Specialists see and process the traffic of their departments (the departments of the contact
  goals they are a specialist of), traffic assigned to them and traffic they took; the same for
  documents (their departments' documents and those they are responsible for).
- Receptionists see the traffic (they register every call and walk-in and watch the waiting
  queue) but process none of it, and see no documents.
Anything else is "not found", so ids cannot be probed.
"""

from django.db.models import Q

from centrala.accounts.models import SUPERVISOR_ROLES, Role
from centrala.accounts.permissions import can

from .models import ContactGoal, Document, Traffic


def specialist_departments(user):
    """The departments of the goals `user` is a specialist of, as a subquery (no query of its own)."""
    return ContactGoal.objects.filter(specialists=user).order_by().values("department_id")


def visible_traffic(user):
    if not (user and user.is_authenticated and user.is_active):
        return Traffic.objects.none()
    if user.role in SUPERVISOR_ROLES or user.role == Role.RECEPTIONIST:
        return Traffic.objects.all()
    return processable_traffic(user)


def processable_traffic(user):
    """Traffic `user` may take and process."""
    if not can(user, "process_traffic"):
        return Traffic.objects.none()
    if user.role in SUPERVISOR_ROLES:
        return Traffic.objects.all()
    return Traffic.objects.filter(
        Q(department_id__in=specialist_departments(user)) | Q(assigned_to=user) | Q(taken_by=user)
    )


def _get(queryset, traffic_id, related=()):
    if related:
        queryset = queryset.select_related(*related)
    try:
        return queryset.get(pk=int(traffic_id))
    except (Traffic.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Traffic.DoesNotExist(f"traffic {traffic_id!r} is not visible") from None


def get_traffic_for_user(user, traffic_id, *, related=()):
    return _get(visible_traffic(user), traffic_id, related)


def get_processable_traffic(user, traffic_id, *, related=()):
    return _get(processable_traffic(user), traffic_id, related)


def may_process(user, traffic):
    return processable_traffic(user).filter(pk=traffic.pk).exists()


def visible_documents(user):
    if not can(user, "process_traffic"):
        return Document.objects.none()
    if user.role in SUPERVISOR_ROLES:
        return Document.objects.all()
    return Document.objects.filter(Q(department_id__in=specialist_departments(user)) | Q(responsible=user))


def get_document_for_user(user, document_id, *, related=()):
    queryset = visible_documents(user)
    if related:
        queryset = queryset.select_related(*related)
    try:
        return queryset.get(pk=int(document_id))
    except (Document.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Document.DoesNotExist(f"document {document_id!r} is not visible") from None
