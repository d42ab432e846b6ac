"""Every anchor id of a letter page comes from here, so links and targets always agree."""


def note_id(n: int) -> str:
    """The endnote itself: `#note-3`."""
    return f"note-{n}"


def noteref_id(n: int, occurrence: int = 1) -> str:
    """The in-text mark of note n; a second mark of the same note gets `ref-3-2`."""
    return f"ref-{n}" if occurrence == 1 else f"ref-{n}-{occurrence}"


def paragraph_id(index: int) -> str:
    """The index-th paragraph of the body (1-based), citable as `letters/173/#p4`."""
    return f"p{index}"


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
