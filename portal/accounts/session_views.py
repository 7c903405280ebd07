"""Your sessions (/account/sessions): where the signed-in person sees every browser their
account is signed in on (this one first, as "This browser") and signs any other out, one
at a time or all at once: a session they do not recognise, or a shared computer they
forgot to sign out of. Only their own sessions are ever found here; any other id is a 404."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts import sessions
from portal.accounts.forms import EndSessionForm
from portal.common.access import signed_in

bp = Blueprint("own_sessions", __name__, template_folder="templates")


@bp.get("/account/sessions")
@signed_in
def list_sessions() -> str:
    user = current_user._get_current_object()
    # Open sessions only: a handful, bounded by the timeouts (sessions.open_sessions), so
    # the page needs no pagination.
    rows = sessions.open_sessions(user)
    current = sessions.current_session_id()
    return render_template(
        "sessions/list.html",
        this=next((row for row in rows if row.id == current), None),
        others=[row for row in rows if row.id != current],
    )


@bp.post("/account/sessions/<int:session_id>/end")
@signed_in
def end(session_id: int) -> Response:
    user = current_user._get_current_object()
    if not EndSessionForm().validate_on_submit():
        return redirect(url_for("own_sessions.list_sessions"))
    row = sessions.end_other(user, session_id)
    if row is None:
        abort(404)
    flash(f"{row.device or 'That session'} is signed out", "success")
    return redirect(url_for("own_sessions.list_sessions"))


@bp.post("/account/sessions/end-others")
@signed_in
def end_others() -> Response:
    user = current_user._get_current_object()
    if EndSessionForm().validate_on_submit():
        ended = sessions.end_others(user)
        flash(
            "You are signed out of every other session"
            if ended
            else "You were not signed in anywhere else",
            "success",
        )
    return redirect(url_for("own_sessions.list_sessions"))
