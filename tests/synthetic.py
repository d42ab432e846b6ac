"""A synthetic edition for the tests: `write_edition(folder, n, seed)` writes n letters shaped like
the bundled ones into an editions folder (edition.yaml, persons.yaml, letters/*.md).

Each letter has letter parts (address, salutation, closing, signature, now and then a
postscript), running text with editorial brackets ("St[alin]", "[armed]", "[...]") and names in
the forms the register lists, 3-12 notes whose marks stand in the text (now and then one whose
mark was lost), an archival reference, and notes citing archival files, "Ibid." included. About
one letter in four answers an earlier one. The letters are spread over 1912-1927, numbered in
date order. Every person of the register writes, receives or is named in some letter.

The same (n, seed) always writes the same bytes. Only the tests read it.
"""

from __future__ import annotations

import random
from pathlib import Path

from epistola.model import ArchiveRef, Correspondent, Edition, Letter, LetterDate, Note, Person, Place
from epistola.records import dump_edition, dump_letter, dump_persons

#: ref, name as displayed, full name, the forms the letters print.
PERSONS = (
    ("bukharin", "N. I. Bukharin", "Nikolai Ivanovich Bukharin", ("Bukharin",)),
    ("dzerzhinsky", "F. E. Dzerzhinsky", "Feliks Edmundovich Dzerzhinsky", ("Dzerzhinsky",)),
    ("kamenev", "L. B. Kamenev", "Lev Borisovich Kamenev", ("Kamenev",)),
    ("krestinsky", "N. N. Krestinsky", "Nikolai Nikolaevich Krestinsky",
     ("Krestinsky", "N. Krestinsky")),
    ("lenin", "V. I. Lenin", "Vladimir Ilyich Lenin", ("Lenin", "Ilyich")),
    ("molotov", "V. M. Molotov", "Vyacheslav Mikhailovich Molotov", ("Molotov",)),
    ("pyatakov", "G. L. Pyatakov", "Georgy Leonidovich Pyatakov", ("Pyatakov", "Arvid", "Ar[vid]")),
    ("radek", "K. B. Radek", "Karl Berngardovich Radek", ("Radek", "Andrei", "Andrey")),
    ("rykov", "A. I. Rykov", "Alexei Ivanovich Rykov", ("Rykov",)),
    ("stalin", "I. V. Stalin", "Iosif Vissarionovich Stalin", ("Stalin", "St[alin]", "STALIN")),
    ("trotsky", "L. D. Trotsky", "Lev Davidovich Trotsky", ("Trotsky", "L. D. [Trotsky]")),
    ("zinoviev", "G. E. Zinoviev", "Grigory Evseevich Zinoviev", ("Zinoviev", "Grigory")),
)
#: Who writes and receives letters; the others are only named in them.
CORRESPONDENTS = ("bukharin", "kamenev", "krestinsky", "molotov", "pyatakov", "radek", "stalin",
                  "trotsky", "zinoviev")
PLACES = ("Moscow", "Berlin", "Kharkov", "Poltava", "Tiflis", "Kislovodsk", None, None)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
WORDS = """the of and to in that is we it not on this with for as by party central committee all
but our which from have at will comrade they work question must should would only about workers
letter political situation decision organization members line struggle masses plenum politburo
report resolution congress conference secretary commission measures opposition strike apparatus
economic soviet province money peasants unions discipline circular excesses leadership opinion
position necessary important clear possible serious matter facts case view task telegram visa
arrest expulsion return abroad delegation bureau grain tax press article speech meeting vote
majority faction platform theses campaign crisis unity confidence mistake conclusion""".split()
#: A word only some letters hold (a search for it must find exactly those).
RARE = "plenipotentiary"
#: Fonds of the archive, and the files (delo) the letters are kept in.
FONDS = (("558", "1"), ("558", "2"), ("17", "3"), ("76", "3"), ("85", "1"))
EDITION = Edition(
    title="Synthetic correspondence 1912–1927", compilers=("A. Compiler", "B. Compiler"),
    year=1996, source="A synthetic collection of documents.", language="en",
    base_url="https://example.org/synthetic/", description="Letters made up for the tests.",
    licence="CC BY 4.0", licence_url="https://creativecommons.org/licenses/by/4.0/",
    editors=("T. Editor",), published="2026-11-26")


def write_edition(folder: Path, n: int, seed: int = 1) -> Path:
    """Write an editions folder of n letters into `folder`; returns it."""
    rng = random.Random(seed)
    (folder / "letters").mkdir(parents=True)
    (folder / "edition.yaml").write_text(dump_edition(EDITION), encoding="utf-8")
    (folder / "persons.yaml").write_text(dump_persons(persons()), encoding="utf-8")
    days = sorted((rng.randint(1912, 1927), rng.randint(1, 12), rng.randint(1, 28))
                  for _ in range(n))
    written: list[Letter] = []
    for i, day in enumerate(days):
        letter = _letter(rng, i, day, written)
        written.append(letter)
        (folder / "letters" / f"{letter.id}.md").write_text(dump_letter(letter), encoding="utf-8")
    return folder


def persons() -> list[Person]:
    return [Person(ref, name, sort_name=f"{full.split()[-1]}, {' '.join(full.split()[:-1])}",
                   full_name=full, variants=forms, dates=f"18{70 + i}–19{30 + i}",
                   description=f"Member of the Central Committee ({name}).")
            for i, (ref, name, full, forms) in enumerate(PERSONS)]


def _name(ref: str) -> str:
    return next(name for r, name, _, _ in PERSONS if r == ref)


def _forms(ref: str) -> tuple[str, ...]:
    return next(forms for r, _, _, forms in PERSONS if r == ref)


def _sentence(rng: random.Random, mention: str | None = None) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
    if mention is not None:
        words.insert(rng.randrange(len(words)), mention)
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), rng.choice(("[armed]", "[...]", "[in]", "St[alin]")))
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _archive(rng: random.Random, i: int) -> ArchiveRef:
    fond, opis = FONDS[i % len(FONDS)]
    delo = str(100 + i % 7)  # several letters share a file
    first = rng.randint(1, 90)
    folios = f"{first}-{first + rng.randint(1, 6)}"
    return ArchiveRef("RTsKhIDNI", fond, opis, delo, folios,
                      f"RTSKHIDNI. F. {fond}. Op. {opis}. D. {delo}. L. {folios}.")


def _note(rng: random.Random, k: int) -> str:
    """A note's text: a person identified, an archival citation, or a citation "Ibid."."""
    kind = k % 4
    if kind == 0:
        ref, name, full, _ = rng.choice(PERSONS)
        return f"{full} was then a member of the Central Committee. {_sentence(rng)}"
    if kind == 1:
        fond, opis = rng.choice(FONDS)
        return (f"{_sentence(rng)} (RTsKhIDNI. F. {fond}. Op. {opis}. D. {rng.randint(200, 600)}. "
                f"L. {rng.randint(1, 80)}).")
    if kind == 2:
        return f"{_sentence(rng)} (Ibid. D. {rng.randint(200, 600)}. L. {rng.randint(1, 80)}v.)."
    return _sentence(rng, rng.choice(_forms(rng.choice(PERSONS)[0])))


def _letter(rng: random.Random, i: int, day: tuple[int, int, int], earlier: list[Letter]
            ) -> Letter:
    number = 100 + i
    year, month, dom = day
    sender = CORRESPONDENTS[i % len(CORRESPONDENTS)]
    recipient = rng.choice([r for r in CORRESPONDENTS if r != sender])
    in_reply_to = None
    answered = [e for e in earlier[-6:] if e.senders[0].ref == recipient
                and e.date.when < f"{year:04d}-{month:02d}-{dom:02d}"]
    if answered and rng.random() < 0.5:
        in_reply_to = answered[-1].id
    supplied = rng.random() < 0.15
    printed_year = f"[{year}]" if supplied else str(year)
    date = LetterDate(f"{MONTHS[month - 1]} {dom}, {printed_year}", f"{year:04d}-{month:02d}-{dom:02d}",
                      supplied=supplied)
    # the persons named in the text: every one of the register in some letter of a large enough
    # edition, the rest drawn at random
    named = [PERSONS[i % len(PERSONS)][0], rng.choice(PERSONS)[0]]
    notes = rng.randint(3, 12)
    lost = {k for k in range(1, notes + 1) if rng.random() < 0.1}
    paragraphs = [f"{{.address}}\nTo comrade {_forms(recipient)[0]}.",
                  f"{{.salutation}}\nDear comrade {rng.choice(_forms(recipient))}!"]
    sentences = []
    for k in range(1, notes + 1):
        mention = rng.choice(_forms(named[k % 2])) if k <= 2 or rng.random() < 0.3 else None
        sentence = _sentence(rng, mention)
        if k not in lost:
            sentence = sentence[:-1] + f"[^{k}]."
        sentences.append(sentence)
    if i % 4 == 1:
        sentences.insert(1, f"The {RARE} has written again.")
    for start in range(0, len(sentences), 3):
        paragraphs.append(" ".join(sentences[start:start + 3]))
    paragraphs.append(f"{{.closing}}\nWith comradely greetings, {_name(sender)}.")
    paragraphs.append(f"{{.signature}}\n{_forms(sender)[0]}")
    if rng.random() < 0.2:
        paragraphs.append(f"{{.postscript}}\nP.S. {_sentence(rng)}")
    place = rng.choice(PLACES)
    return Letter(
        id=str(number), number=number, title=f"{_name(sender)} to {_name(recipient)}",
        senders=(Correspondent(_name(sender), sender),),
        recipients=(Correspondent(_name(recipient), recipient),),
        date=date, place=Place(place, supplied=rng.random() < 0.2) if place else None,
        archive=_archive(rng, i), physical=rng.choice(("Typewritten text.", "Autograph.")),
        body="\n\n".join(paragraphs),
        notes=tuple(Note(k, _note(rng, k)) for k in range(1, notes + 1)),
        in_reply_to=in_reply_to,
        unnumbered_notes=(notes,) if rng.random() < 0.1 else ())
