"""Every anchor id of a letter page comes from here, so links and targets always agree."""


def note_id(n: int, text: str = "") -> str:
    """The endnote itself: `#note-3`; a further text's notes carry its language: `#ru-note-3`."""
    return f"{text}-note-{n}" if text else f"note-{n}"


def noteref_id(n: int, occurrence: int = 1, text: str = "") -> str:
    """The in-text mark of note n; a second mark of the same note gets `ref-3-2`."""
    mark = f"ref-{n}" if occurrence == 1 else f"ref-{n}-{occurrence}"
    return f"{text}-{mark}" if text else mark


def paragraph_id(index: int, text: str = "") -> str:
    """The index-th paragraph of the body (1-based), citable as `letters/173/#p4`; of a
    further text, with its language: `#ru-p4`."""
    return f"{text}-p{index}" if text else f"p{index}"


def text_of(anchor: str) -> str:
    """The language of the further text an anchor belongs to ("ru-p3" -> "ru"), "" for the
    body's own anchors ("p3", "note-2")."""
    head = anchor.split("-", 1)[0]
    return "" if head == "note" or (head.startswith("p") and head[1:].isdigit()) else head


def letter_url(letter_id: str) -> str:
    """URL of a letter page, relative to the site root."""
    return f"letters/{letter_id}/"


def person_url(ref: str) -> str:
    return f"persons/{ref}/"


#: The folder of each register's pages.
REGISTER_FOLDERS = {"persons": "persons", "places": "places", "organisations": "organisations",
                    "works": "works"}


def entry_url(register: str, ref: str) -> str:
    """URL of a register entry's page, relative to the site root: "places/berlin/"."""
    return f"{REGISTER_FOLDERS[register]}/{ref}/"
