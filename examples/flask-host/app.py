"""A small watch-together host app with roomchat mounted beside the video.

Shaped like the original Flask app: a login form and a session cookie, a watch
page per room, and GET /chat-token, which signs the relay's HS256 JWT for the
signed-in user, for a room the app's own membership table lets them join and
no other. The relay verifies that token with the same secret. The app also
speaks in the room itself ("Bob joined the watch party", "Ann paused at
12:34"): server to server, with a service token that the relay shows as the
room's own notices and that no user can get from /chat-token. README.md says
how to run it; `toolchain/dev example` starts it together with the relay.
"""

import argparse
import hmac
import json
import os
import re
import secrets
import sys
import time
import urllib.error
import urllib.request
from functools import wraps
from urllib.parse import quote, urljoin, urlsplit

import jwt  # PyJWT (Debian: python3-jwt)
from flask import Flask, abort, jsonify, redirect, render_template, request, session, url_for
from werkzeug.serving import make_server

from example_config import ROOMS, USERS

# The relay's room id characters (docs/embedding.md).
ROOM_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
# The relay's cap on a message's playback position (docs/protocol.md, media_ms): a week.
MAX_MEDIA_SECONDS = 7 * 24 * 60 * 60
# One player notice per guest this often at most: pressing play and pause over and over
# must not fill the chat (the relay does not rate-limit the host's own notices).
NOTICE_INTERVAL_SECONDS = 1


def local_path(target):
    """`target` when it is a path on this site, else None: a ?next= that is a URL, or that
    a browser would read as one (//host, /\\host, a tab or newline inside), must not
    make the login form an open redirect."""
    parts = urlsplit(target)
    if (not target.startswith("/") or parts.scheme or parts.netloc or "\\" in target
            or any(ch.isspace() or ord(ch) < 32 for ch in target) or target.startswith("//")):
        return None
    return target


def read_secret(path):
    """The HS256 secret shared with the relay's --jwt-secret-file."""
    with open(path, "rb") as file:
        # Like the relay: the newline an editor or `echo` adds is not part of the secret.
        secret = file.read().rstrip(b"\r\n")
    if len(secret) < 32:
        raise SystemExit(f"{path}: the token secret must be at least 32 bytes (the relay refuses shorter ones)")
    return secret


def media_time(seconds):
    """12:34, or 1:02:03 past an hour: as the chat shows a message's position."""
    total = int(seconds)
    hours, minutes, secs = total // 3600, total // 60 % 60, total % 60
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def rooms_of(user):
    """The rooms `user` may join: the only rooms a token for them may name."""
    return {room_id: room for room_id, room in ROOMS.items() if user in room["members"]}


def create_app(jwt_secret, relay_url, token_ttl_seconds=600):
    app = Flask(__name__)
    # Sessions need not outlive this process, so each start signs them with a fresh key.
    app.secret_key = secrets.token_bytes(32)
    # Lax keeps the cookie off cross-site POSTs; a real app adds CSRF tokens to its forms too.
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    # The relay serves the widget next to its /ws endpoint; mountChat finds /ws from it.
    relay_base = relay_url if relay_url.endswith("/") else relay_url + "/"
    widget_url = urljoin(relay_base, "widget.js")

    def announce(room, text, media_ms=None):
        """Posts a notice into the room as the host (a system message), through the relay's
        HTTP API with a service token: the relay refuses that claim on user connections, and
        /chat-token never sets it. A notice that cannot be posted is logged, not raised: the
        page the user asked for matters more than the notice."""
        claims = {"sub": "watch-party", "name": "Watch party", "room": [room],
                  "exp": int(time.time()) + 60, "service": True}
        body = {"id": secrets.token_hex(16), "text": text}
        if media_ms is not None:
            body["media_ms"] = media_ms
        post = urllib.request.Request(
            urljoin(relay_base, f"api/rooms/{quote(room)}/messages"), data=json.dumps(body).encode(),
            method="POST", headers={"Content-Type": "application/json",
                                    "Authorization": "Bearer " + jwt.encode(claims, jwt_secret, algorithm="HS256")})
        try:
            with urllib.request.urlopen(post, timeout=2):
                pass
        except (urllib.error.URLError, OSError) as error:
            print(f"flask-host: the notice {text!r} did not reach the relay: {error}", file=sys.stderr)

    def current_user():
        user = session.get("user")
        return user if user in USERS else None

    def login_required(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if current_user() is None:
                # full_path ends in a bare "?" when there is no query string.
                here = request.full_path if request.query_string else request.path
                return redirect(url_for("login", next=here))
            return view(*args, **kwargs)

        return wrapper

    @app.get("/")
    @login_required
    def index():
        joinable = sorted(rooms_of(current_user()))
        if not joinable:
            abort(403, description="You are not a guest of any watch party.")
        return redirect(url_for("watch", room=joinable[0]))

    @app.route("/login", methods=["GET", "POST"])
    def login():
        target = local_path(request.values.get("next", "")) or url_for("index")
        if request.method == "GET":
            return render_template("login.html", next=target, username="", error=None)
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        user = USERS.get(username)
        # compare_digest: the time taken does not tell how much of the password was right.
        if user is None or not hmac.compare_digest(password.encode(), user["password"].encode()):
            error = "Wrong user name or password."
            return render_template("login.html", next=target, username=username, error=error), 401
        session.clear()  # a new login never inherits the previous session's state
        session["user"] = username
        session["joined"] = []
        return redirect(target)

    @app.post("/logout")
    def logout():
        session.clear()
        return redirect(url_for("login"))

    @app.get("/watch/<room>")
    @login_required
    def watch(room):
        user = current_user()
        if room not in rooms_of(user):
            abort(403, description="You are not a guest of this watch party.")
        # Once per login, not on every reload.
        if room not in session.get("joined", []):
            session["joined"] = session.get("joined", []) + [room]
            announce(room, f"{USERS[user]['name']} joined the watch party")
        return render_template(
            "watch.html",
            room=room,
            title=ROOMS[room]["title"],
            user_name=USERS[user]["name"],
            widget_url=widget_url,
        )

    last_notice = {}  # user -> when their last player notice went (time.monotonic)

    @app.post("/watch/<room>/player")
    def player(room):
        """The watch page reports its player: a pause or a play becomes a notice in the chat,
        anchored where it happened. The text is made here from the session's user, never
        taken from the request."""
        user = current_user()
        if user is None:
            return jsonify(error="Sign in first."), 401
        if room not in rooms_of(user):
            return jsonify(error="You are not a guest of this watch party."), 403
        report = request.get_json(silent=True) or {}
        action, at = report.get("action"), report.get("at")
        # The range also refuses NaN and infinities: they compare false.
        if action not in ("pause", "play") or not isinstance(at, (int, float)) or not 0 <= at <= MAX_MEDIA_SECONDS:
            return jsonify(error="Send {action: 'pause' or 'play', at: seconds}."), 400
        now = time.monotonic()
        if now - last_notice.get(user, 0.0) < NOTICE_INTERVAL_SECONDS:
            return jsonify(error="Too many player notices; wait a moment."), 429
        last_notice[user] = now
        verb = "paused at" if action == "pause" else "pressed play at"
        announce(room, f"{USERS[user]['name']} {verb} {media_time(at)}", int(at * 1000))
        return "", 204

    @app.get("/chat-token")
    def chat_token():
        # The same login check as the pages, but an API answers 401 rather than redirecting.
        user = current_user()
        if user is None:
            return jsonify(error="Sign in to chat."), 401
        requested = request.args.get("room", "")
        # Membership is the authorisation: the relay admits exactly the rooms in the token,
        # so the requested room only ever selects one of the user's own rooms.
        if not ROOM_ID.fullmatch(requested) or requested not in rooms_of(user):
            return jsonify(error="You are not a guest of this watch party."), 403
        expires_at = int(time.time()) + token_ttl_seconds
        claims = {"sub": user, "name": USERS[user]["name"], "room": [requested], "exp": expires_at}
        token = jwt.encode(claims, jwt_secret, algorithm="HS256")
        response = jsonify(token=token, expires_at=expires_at)
        # A credential: never cached. And no CORS headers, so only this app's own pages can read it.
        response.headers["Cache-Control"] = "no-store"
        return response

    return app


def main():
    env = os.environ
    parser = argparse.ArgumentParser(description="The roomchat example host: a Flask watch-together app.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(env.get("FLASK_HOST_PORT", "5000")),
                        help="0 picks a free port (printed on start)")
    parser.add_argument("--relay-url", default=env.get("ROOMCHAT_RELAY_URL", "http://127.0.0.1:8080/"),
                        help="the relay's http(s) URL; the page loads widget.js from it")
    parser.add_argument("--jwt-secret-file", default=env.get("ROOMCHAT_JWT_SECRET_FILE"),
                        help="the secret file the relay was given with --jwt-secret-file")
    # Short, so that a token outlives a logout by minutes at most; the chat renews it
    # through onTokenExpired while the user stays signed in.
    parser.add_argument("--token-ttl", type=int, default=int(env.get("CHAT_TOKEN_TTL_SECONDS", "600")),
                        help="chat token lifetime in seconds (default 600)")
    args = parser.parse_args()
    if not args.jwt_secret_file:
        parser.error("--jwt-secret-file (or ROOMCHAT_JWT_SECRET_FILE) is required")
    if args.token_ttl < 2:
        parser.error("--token-ttl must be at least 2 seconds")

    app = create_app(read_secret(args.jwt_secret_file), args.relay_url, args.token_ttl)
    # Werkzeug's server, as `flask run` uses, but made here so that --port 0 can print the port it got.
    server = make_server(args.host, args.port, app, threaded=True)
    print(f"flask-host listening on http://{args.host}:{server.server_port}/")
    print("example users (EXAMPLE-ONLY passwords, from example_config.py):")
    for user_id, user in USERS.items():
        rooms = ", ".join(sorted(rooms_of(user_id))) or "none"
        print(f"  {user_id} / {user['password']}  (rooms: {rooms})")
    print(flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
