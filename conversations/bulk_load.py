"""Signals around bulk loads of history (``seed_history``, PostgreSQL), for the apps above that
keep figures from the conversation tables (reports' rollups). A module of its own so that those
apps' receivers import nothing heavier at start-up."""

from django.dispatch import Signal

# ``history_loading`` before rows go in with per-row triggers left on (a receiver switches off
# what must not run per row), ``history_load_ended`` after it, whatever happened, and
# ``history_loaded`` with ``earliest`` and ``latest``, the instants written between (to recount);
# a receiver may answer a line of progress.
history_loading = Signal()
history_load_ended = Signal()
history_loaded = Signal()
