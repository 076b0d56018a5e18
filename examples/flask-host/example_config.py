"""The example's users and rooms: stand-ins for the original app's database.

EXAMPLE ONLY. These passwords are public (they are in this repository and in
the README); never reuse this table, or its plain-text passwords, outside
this example.
"""

# user id -> display name and password. The id becomes the token's `sub`,
# so it keeps to the relay's user id characters ([A-Za-z0-9_.-]).
USERS = {
    "ann": {"name": "Ann", "password": "ann-example-password"},
    "bob": {"name": "Bob", "password": "bob-example-password"},
    # Carol exists but is not a guest of the party: the token endpoint refuses
    # her the "party" room, however she asks.
    "carol": {"name": "Carol", "password": "carol-example-password"},
}

# room id -> the watch party's title and its guests. This table, not the
# request, decides which rooms a token may name.
ROOMS = {
    "party": {"title": "Friday movie night", "members": {"ann", "bob"}},
    "book-club": {"title": "Book club screening", "members": {"carol"}},
}
