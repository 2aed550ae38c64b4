"""Statuses of FixMyStreet's servicerequestupdates extension, both ways.

Outgoing, each detailed status is named by the lower-case state FixMyStreet knows (its
`map_state` lower-cases and turns "_" into " "), so a fix shows as fixed, not just closed.
Incoming, the upper-case states FixMyStreet and mySociety's adapter send are mapped onto
the detailed statuses every city starts with. A city's own statuses pass through by code
(incoming) and fall back to open/closed (outgoing)."""

from __future__ import annotations

# Civic311 detailed status code → FixMyStreet state (GET servicerequestupdates).
OUTGOING: dict[str, str] = {
    "new": "open",
    "acknowledged": "investigating",
    "assigned": "action_scheduled",
    "in_progress": "in_progress",
    "on_hold": "open",
    "reopened": "open",
    "transferred": "internal_referral",
    "resolved": "fixed",
    "closed": "closed",
    "duplicate": "duplicate",
    "cancelled": "no_further_action",
}

# FixMyStreet state (POST servicerequestupdates, any case, "_" or " ") → detailed status code.
INCOMING: dict[str, str] = {
    "for_triage": "new",
    "investigating": "acknowledged",
    "action_scheduled": "assigned",
    "planned": "assigned",
    "in_progress": "in_progress",
    "reopen": "reopened",
    "internal_referral": "transferred",
    "fixed": "resolved",
    "closed": "closed",
    "duplicate": "duplicate",
    "not_councils_responsibility": "cancelled",
    "no_further_action": "cancelled",
    "unable_to_fix": "cancelled",
    "cancelled": "cancelled",
}


def outgoing(detailed_code: str, open311_status: str) -> str:
    return OUTGOING.get(detailed_code, open311_status)


def incoming_code(state: str, *, request_is_open: bool) -> str | None:
    """The detailed status code a sent state stands for; None for "still open" on an open
    request (a note, no change). Unknown states are returned as given, so a city's own
    status codes can be sent directly."""
    key = "_".join(state.strip().lower().replace("-", "_").split())
    if key in {"open", "confirmed"}:
        return None if request_is_open else "reopened"
    return INCOMING.get(key, key)
