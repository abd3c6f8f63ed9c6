"""Set, validate, save in one place (HackSoft's ``model_update``): every service that writes a
model's own fields goes through here, so the model's rules (validators, ``clean()``,
constraints) are checked the same way for pages, API and callers in code."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

M = TypeVar("M", bound=models.Model)


def model_update(
    *,
    instance: M,
    fields: Iterable[str],
    data: Mapping[str, Any],
    extra_errors: Mapping[str, Any] | None = None,
    clean_exclude: Iterable[str] = (),
) -> tuple[M, list[str]]:
    """Set those of ``fields`` that ``data`` holds, run ``full_clean()``, save; returns the
    instance and the names of the fields whose value changed (many-to-many ones included).

    An unsaved instance is created (every given field counts as changed). A saved one is written
    only when something changed, and then only the changed columns (plus ``auto_now`` ones).
    ``extra_errors`` are the caller's own findings (access rules the model cannot know): they
    are reported with the model's in one ValidationError. On any error nothing is written and
    the instance keeps its former values. ``clean_exclude`` names fields (and so the
    constraints on them) whose rule the caller enforces itself.
    """
    creating = instance._state.adding
    by_name = {f.name: f for f in instance._meta.get_fields()}
    changed: list[str] = []
    m2m: dict[str, list[Any]] = {}
    former: dict[str, Any] = {}
    for name in fields:
        if name not in data:
            continue
        field = by_name.get(name)
        if field is None:
            raise ValueError(f"{type(instance).__name__} has no field {name!r}")
        value = data[name]
        if isinstance(field, models.ManyToManyField):
            wanted = {getattr(v, "pk", v) for v in value}
            if creating or set(getattr(instance, name).values_list("pk", flat=True)) != wanted:
                m2m[name] = list(value)
                changed.append(name)
            continue
        attname = name
        if isinstance(field, models.ForeignKey) and not isinstance(value, models.Model):
            attname = field.attname  # a primary key (or None) was given
        current = getattr(instance, field.attname)
        new = getattr(value, "pk", value) if isinstance(field, models.ForeignKey) else value
        if creating or current != new:
            former[field.attname] = current
            setattr(instance, attname, value)
            changed.append(name)
    plain = [n for n in changed if n not in m2m]
    if creating or plain or extra_errors:
        errors: dict[str, Any] = {}
        try:
            instance.full_clean(exclude=list(clean_exclude) or None)
        except ValidationError as exc:
            errors = dict(exc.message_dict)
        errors.update(extra_errors or {})
        if errors:
            for attname, value in former.items():
                setattr(instance, attname, value)
            raise ValidationError(errors)
        if creating:
            instance.save()
        elif plain:
            auto = [
                f.name
                for f in instance._meta.concrete_fields
                if getattr(f, "auto_now", False) and f.name not in plain
            ]
            instance.save(update_fields=[*plain, *auto])
    for name, value in m2m.items():
        getattr(instance, name).set(value)
    return instance, changed
