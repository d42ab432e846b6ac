"""A deterministic synthetic edition shaped like the seed, for benchmarks.

`generate(n, out, seed)` writes an editions folder (edition.yaml, persons.yaml, letters/*.md) with
n letters at the density of Nos. 173-176: bodies of a few hundred to a few thousand words marked
with letter parts, 3-12 endnotes with their marks (now and then a note whose mark was lost),
archival citations, editorial brackets, replies, and a persons register whose variants
(pseudonyms, transliterations, names as printed) also occur in the letters.

The same (n, seed) always writes the same bytes. Nothing here is read by the build.

    python -m bench.corpus 1000 /tmp/editions-1000
"""

from __future__ import annotations

import random
import sys
from bisect import bisect
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

from epistola.model import (
    ArchiveRef,
    Correspondent,
    Edition,
    Letter,
    LetterDate,
    Note,
    Person,
    Place,
    SourceSpan,
)
from epistola.records import dump_edition, dump_letter, dump_persons

# Words of the seed's register, most frequent first; drawn with a Zipf-like weight.
_COMMON = """
the of and to in that is a we it not on this with for as be by are party central committee
all but our which from have i at was will there comrade they work he question you one their
has so more must should can would only these been about workers letter political situation
very were also its what then time other his any if question now me my no decision other
organization members line struggle masses working class situation plenum politburo
report resolution congress conference secretary commission measures opposition army strike
revolution comrades apparatus government economic soviet local province district council
money wages miners peasants trade unions discipline democracy circular excesses leadership
information opinion difficult position necessary important clear possible serious whole
matter facts case view task tasks power state order people life new old first last great
large small general special official private personal present question answer telegram
visa arrest expulsion return abroad embassy plenipotentiary delegation bureau department
cell gubkom gubernia uezd volost factory mine railway grain bread tax budget rubles gold
paper press newspaper article speech meeting session vote majority minority faction group
platform theses program slogan campaign crisis split unity confidence trust doubt hope
mistake error truth rumour gossip scandal quarrel fight threat conclusion impression
week month year day morning evening tomorrow yesterday today October November September
December January February March April May June July August spring autumn winter summer
write writing wrote read received sent ask asked answer answered consider considered
think thought know knew see saw say said decide decided propose proposed agree agreed
""".split()

# Syllables for the long tail: names of people, places, institutions and rare words.
_ONSETS = ("b", "v", "g", "d", "zh", "z", "k", "l", "m", "n", "p", "r", "s", "t", "f", "kh",
           "ts", "ch", "sh", "shch", "br", "dr", "gr", "kr", "pr", "tr", "sk", "sl", "st", "vl")
_VOWELS = ("a", "o", "e", "i", "u", "y", "ya", "yu", "ie")
_ENDINGS_PERSON = (("sky", "skii", "skiy"), ("ov", "off", "ow"), ("in", "ine", "in"),
                   ("enko", "enko", "enco"), ("ev", "iev", "yev"), ("ich", "itch", "ic"))
_GIVEN = ("Andrei", "Boris", "Vladimir", "Grigory", "Dmitry", "Yevgeny", "Ivan", "Lev", "Mikhail",
          "Nikolai", "Pyotr", "Sergei", "Felix", "Georgy", "Anatoly", "Valerian", "Yemelyan",
          "Avel", "Kliment", "Vyacheslav", "Alexei", "Lazar", "Nadezhda", "Maria", "Yelena")
_PATRONYMIC = ("Andreevich", "Borisovich", "Vladimirovich", "Grigorievich", "Ivanovich",
               "Leonidovich", "Mikhailovich", "Nikolaevich", "Petrovich", "Sergeevich",
               "Iosifovich", "Vissarionovich", "Emelyanovich", "Yakovlevich")
_PLACES = ("Moscow", "Petrograd", "Berlin", "Kharkov", "Kiev", "Poltava", "Tiflis", "Baku",
           "Rostov-on-Don", "Sochi", "Nalchik", "Yekaterinburg", "Perm", "Tashkent", "London",
           "Paris", "Vienna", "Stockholm", "Kislovodsk", "Odessa", "Samara", "Novonikolaevsk")
_REPOSITORIES = (("RTsKhIDNI", "RTSKHIDNI"), ("GARF", "GARF"), ("TsKhSD", "TsKhSD"),
                 ("APRF", "APRF"))
_FONDS = ("558", "17", "76", "85", "323", "325", "5", "44", "79", "78", "74", "359")
_PARTS_AFTER = ("closing", "signature", "dateline")
_SOURCE_FILE = "sources/synthetic.txt"


class _Zipf:
    """Draws items with weight 1/rank^s, deterministically from the given generator."""

    def __init__(self, items: list, s: float = 1.0):
        self.items = items
        self.cum = list(accumulate(1.0 / (r + 1) ** s for r in range(len(items))))

    def __call__(self, rng: random.Random):
        return self.items[bisect(self.cum, rng.random() * self.cum[-1])]


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables))


def _persons(rng: random.Random, count: int) -> list[Person]:
    persons: list[Person] = []
    seen: set[str] = set()
    while len(persons) < count:
        stem = _word(rng, rng.randint(1, 3)).capitalize()
        ending = rng.choice(_ENDINGS_PERSON)
        surname = stem + ending[0]
        ref = surname.lower()
        if ref in seen:
            continue
        seen.add(ref)
        given, patronymic = rng.choice(_GIVEN), rng.choice(_PATRONYMIC)
        name = f"{given[0]}. {patronymic[0]}. {surname}"
        variants = [surname, surname.upper(), f"{given[0]}. {surname}"]
        variants += [stem + e for e in ending[1:] if stem + e != surname]
        if rng.random() < 0.3:  # a pseudonym, and the form it is printed in with brackets
            pseudonym = _word(rng, 2).capitalize()
            variants += [pseudonym, f"{pseudonym[:2]}[{pseudonym[2:]}]"]
        if rng.random() < 0.2:  # an editorial completion of the name as printed
            variants.append(f"{surname[:3]}[{surname[3:]}]")
        born = rng.randint(1860, 1900)
        persons.append(Person(
            ref=ref, name=name, sort_name=f"{surname}, {given} {patronymic}",
            full_name=f"{given} {patronymic} {surname}",
            dates=f"{born}–{born + rng.randint(30, 80)}",
            variants=tuple(dict.fromkeys(variants)),
            description=f"{rng.choice(('Member', 'Secretary', 'Chairman', 'Candidate member'))} "
                        f"of the {rng.choice(('Central Committee', 'Politburo', 'Orgburo', 'Central Control Commission', 'provincial Party committee'))}.",
        ))
    return persons


class _Writer:
    """Running text for one corpus: a common vocabulary with a long tail of rare words."""

    def __init__(self, rng: random.Random, persons: list[Person], tail: int):
        self.rng = rng
        self.common = _Zipf(_COMMON, 1.0)
        self.tail = _Zipf([_word(rng, rng.randint(2, 4)) for _ in range(tail)], 1.1)
        self.persons = persons
        self.person = _Zipf(persons, 0.9)

    def mention(self) -> str:
        p = self.person(self.rng)
        return self.rng.choice((p.name,) + p.variants)

    def sentence(self, mentions: list[str]) -> str:
        rng = self.rng
        words = []
        for _ in range(max(4, int(rng.gauss(18, 7)))):
            r = rng.random()
            if r < 0.035:
                name = self.mention()
                mentions.append(name)
                words.append(name)
            elif r < 0.09:
                words.append(self.tail(rng))
            elif r < 0.095:
                words.append(rng.choice(("[armed]", "[the uprising]", "[...]", "[in]")))
            elif r < 0.105:
                words.append(str(rng.randint(2, 1923)))
            else:
                words.append(self.common(rng))
        text = " ".join(words)
        text = text[0].upper() + text[1:]
        return text + rng.choice((".", ".", ".", ".", ".", "?", "!"))

    def paragraph(self, words: int, mentions: list[str]) -> str:
        out, count = [], 0
        while count < words:
            s = self.sentence(mentions)
            out.append(s)
            count += s.count(" ") + 1
        return " ".join(out)


def _citation(rng: random.Random) -> tuple[str, str, str, str, str, str]:
    repository, printed = rng.choice(_REPOSITORIES)
    fond, opis, delo = rng.choice(_FONDS), str(rng.randint(1, 3)), str(rng.randint(1, 3000))
    first = rng.randint(1, 200)
    folios = f"{first}-{first + rng.randint(1, 8)}" if rng.random() < 0.7 else str(first)
    return repository, printed, fond, opis, delo, folios


def _note_text(w: _Writer, rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.3:
        p = w.person(rng)
        return f"{p.full_name} ({p.dates}), {p.description[0].lower()}{p.description[1:]}"
    if kind < 0.4:
        return f"{w.person(rng).name.split()[-1]}'s pseudonym."
    _, printed, fond, opis, delo, folios = _citation(rng)
    text = w.paragraph(rng.randint(15, 90), [])
    return f"{text} ({printed}. F. {fond}. Op. {opis}. D. {delo}. L. {folios}.)"


def _letter(w: _Writer, rng: random.Random, number: int, day: date, earlier: list[Letter],
            persons: list[Person]) -> Letter:
    sender = w.person(rng)
    recipients = [w.person(rng)]
    while rng.random() < 0.2 and len(recipients) < 4:
        recipients.append(rng.choice(persons))
    recipients = [p for p in dict.fromkeys(recipients) if p is not sender] or [persons[0]]
    in_reply_to = None
    if earlier and rng.random() < 0.15:
        answered = earlier[-rng.randint(1, min(30, len(earlier)))]
        in_reply_to = answered.id
        by_ref = {p.ref: p for p in persons}
        sender = by_ref[answered.recipients[0].ref]
        recipients = [by_ref[answered.senders[0].ref]]
        if sender is recipients[0]:
            recipients = [persons[0] if sender is not persons[0] else persons[1]]
    kind = rng.choices(("letter", "telegram", "note", "memorandum"), (80, 12, 5, 3))[0]

    iso = day.isoformat()
    r = rng.random()
    if r < 0.75:
        when = LetterDate(f"{day:%B} {day.day}, {day.year}", when=iso)
    elif r < 0.9:
        when = LetterDate(f"{day:%B} {day.day} [{day.year}]", when=iso, supplied=True)
    else:
        end = day + timedelta(days=rng.randint(3, 20))
        when = LetterDate(f"[{day:%B} {day.year}]", not_before=iso, not_after=end.isoformat(),
                          supplied=True)
    place = None
    if rng.random() < 0.85:
        place = Place(rng.choice(_PLACES), supplied=rng.random() < 0.1)
    repository, printed, fond, opis, delo, folios = _citation(rng)
    archive = ArchiveRef(repository, fond, opis, delo, folios,
                         f"{printed}. F. {fond}. On. {opis}. D. {delo}. L. {folios}.")

    words = int(min(3500, max(60, rng.lognormvariate(6.5, 0.75))))
    if kind == "telegram":
        words = min(words, rng.randint(40, 160))
    mentions: list[str] = []
    paragraphs: list[str] = []
    remaining = words
    while remaining > 0:
        size = min(remaining, max(8, int(rng.lognormvariate(4.3, 0.8))))
        paragraphs.append(w.paragraph(size, mentions))
        remaining -= size
    n_notes = rng.randint(3, 12) if kind != "telegram" else rng.randint(0, 3)
    notes = tuple(Note(i, _note_text(w, rng)) for i in range(1, n_notes + 1))
    lost = {n.n for n in notes if rng.random() < 0.03}
    marked: dict[int, list[int]] = {}  # paragraph -> note numbers marked in it, in order
    for note in notes:
        if note.n not in lost:
            i = min(len(paragraphs) - 1, int(len(paragraphs) * (note.n - 0.5) / n_notes))
            marked.setdefault(i, []).append(note.n)
    for i, numbers in marked.items():
        words_of = paragraphs[i].split(" ")
        spots = sorted(rng.sample(range(len(words_of)), min(len(numbers), len(words_of))))
        for n, at in zip(numbers, spots + [len(words_of) - 1] * len(numbers)):
            words_of[at] += f"[^{n}]"
        paragraphs[i] = " ".join(words_of)

    recipient = recipients[0]
    blocks = []
    if kind != "telegram" and rng.random() < 0.5:
        blocks.append("{.address}\n" + f"Tov. {recipient.variants[0]}.")
    blocks.append("{.salutation}\n" + rng.choice(("Dear comrade.", f"Dear comrade {recipient.variants[0]}!",
                                                   f"Comrade {recipient.variants[0]}!")))
    blocks += paragraphs
    if kind != "telegram":
        blocks.append("{.closing}\n" + rng.choice(("With comradely greetings.",
                                                   "With communist greetings.", "I shake your hand.")))
    blocks.append("{.signature}\n" + rng.choice((sender.name, sender.variants[-1], sender.variants[0])) + ".")
    if place is not None and rng.random() < 0.5:
        blocks.append("{.dateline}\n" + f"{place.name}, {day.day}.{_ROMAN[day.month]}.{day.year}")
    if rng.random() < 0.1:
        blocks.append("{.postscript}\n" + "PS " + w.paragraph(rng.randint(15, 80), mentions))

    names = ", ".join(p.name for p in recipients)
    first = rng.randint(1, 400_000)
    return Letter(
        id=str(number), number=number, title=f"{sender.name} to {names}", kind=kind,
        senders=(Correspondent(sender.name, sender.ref),),
        recipients=tuple(Correspondent(p.name, p.ref) for p in recipients),
        date=when, place=place, archive=archive,
        physical=rng.choice(("Typewritten text.", "Autograph.",
                             "Typewritten text. The signature is an autograph.",
                             "Copy. Typewritten text.")),
        body="\n\n".join(blocks), notes=notes, in_reply_to=in_reply_to,
        source=SourceSpan(_SOURCE_FILE, first, first + words // 12 + 5),
        unnumbered_notes=tuple(sorted(n.n for n in notes if rng.random() < 0.02)),
    )


_ROMAN = ("", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    """Write files (relative path -> bytes) under root."""
    for relative in sorted(files):
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[relative])


def generate(n: int, out: Path, seed: int = 0) -> None:
    """Write an editions folder with n letters under out (which must be empty or absent)."""
    rng = random.Random(seed)
    persons = _persons(rng, max(12, min(2000, n // 5)))
    w = _Writer(rng, persons, tail=max(2000, n * 6))
    start, end = date(1912, 1, 1), date(1927, 12, 31)
    span = (end - start).days
    days = sorted(start + timedelta(days=rng.randrange(span)) for _ in range(n))
    letters: list[Letter] = []
    for number, day in enumerate(days, start=1):
        letters.append(_letter(w, rng, number, day, letters, persons))
    edition = Edition(
        title=f"Synthetic correspondence, {n} letters", compilers=("Bench Corpus",), year=1996,
        source="Generated for benchmarks.", language="en", base_url="https://example.org/bench/",
        licence="CC0 1.0", published="2026-01-01",
    )
    files = {"edition.yaml": dump_edition(edition).encode(),
             "persons.yaml": dump_persons(sorted(persons, key=lambda p: p.ref)).encode()}
    for letter in letters:
        files[f"letters/{letter.id}.md"] = dump_letter(letter).encode()
    write_tree(out, files)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m bench.corpus N OUT_DIR")
    generate(int(sys.argv[1]), Path(sys.argv[2]))
