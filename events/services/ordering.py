"""Lists an organiser orders by hand (ticket types, questions, doors): rows with a `position` within their event."""


def move_one_place(queryset, *, pk: int, direction: str) -> bool:
    """Swap row `pk` of `queryset` with the one before it ("up") or after it ("down"), then number the rows'
    positions from 0 in their new order. False when nothing moved: the row is at that end, or gone.

    Call it inside the transaction that locks the list's owner (the event), so two moves cannot interleave.
    """
    ordered = list(queryset.order_by("position", "pk"))
    index = next((i for i, item in enumerate(ordered) if item.pk == pk), None)
    if index is None:  # deleted meanwhile
        return False
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return False
    ordered[index], ordered[other] = ordered[other], ordered[index]
    changed = []
    for position, item in enumerate(ordered):
        if item.position != position:
            item.position = position
            changed.append(item)
    queryset.model.objects.bulk_update(changed, ["position"])
    return True
