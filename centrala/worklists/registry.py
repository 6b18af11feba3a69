"""Every working list, by key. Modules that define lists are named here, once."""

from functools import cache

from django.http import Http404
from django.utils.module_loading import import_string

from centrala.accounts.permissions import can

# Each is a {key: ListDef} dict.
LIST_MODULES = [
    "centrala.cases.lists.CASE_LISTS",
    "centrala.activities.lists.ACTIVITY_LISTS",
    "centrala.contacts.lists.CONTACT_LISTS",
    "centrala.dealership.journal.TRAFFIC_LISTS",
]


@cache
def all_lists():
    lists = {}
    for path in LIST_MODULES:
        for key, listdef in import_string(path).items():
            if key in lists:
                raise ValueError(f"two working lists are called {key!r}")
            lists[key] = listdef
    return lists


def get_list(user, key):
    """The list if `user` may use it, else Http404 (unknown) or PermissionDenied (not theirs)."""
    from django.core.exceptions import PermissionDenied

    listdef = all_lists().get(key)
    if listdef is None:
        raise Http404("no such list")
    if not can(user, listdef.capability):
        raise PermissionDenied(listdef.capability)
    return listdef


def family(user, listdef):
    """The lists shown as tabs beside this one."""
    if not listdef.family:
        return [listdef]
    return [item for item in all_lists().values() if item.family == listdef.family and can(user, item.capability)]
