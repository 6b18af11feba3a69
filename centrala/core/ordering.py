"""Moving an item one place up or down in a hand-ordered list (statuses, fields, choices ...)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

UP, DOWN = "up", "down"


def move_one_place(items, item, direction):
    """Move `item` one place in `items` (ordered, ideally locked by the caller) and renumber 0..n.

    Every move renumbers the whole list: positions typed by hand may repeat, and swapping two
    equal numbers would change nothing. Returns [(obj, old_position)] for the rows whose position
    changed; an empty list when the item is already first (up) or last (down).
    """
    if direction not in (UP, DOWN):
        raise ValidationError(_("Move up or down."))
    items = list(items)
    index = next((i for i, other in enumerate(items) if other.pk == item.pk), None)
    if index is None:
        raise type(item).DoesNotExist(f"{item._meta.verbose_name} {item.pk} is gone")
    target = index - 1 if direction == UP else index + 1
    if not 0 <= target < len(items):
        return []
    items[index], items[target] = items[target], items[index]
    moved = []
    for position, other in enumerate(items):
        if other.position != position:
            moved.append((other, other.position))
            other.position = position
    type(item).objects.bulk_update([obj for obj, _old in moved], ["position"])
    item.position = next(other.position for other in items if other.pk == item.pk)
    return moved
