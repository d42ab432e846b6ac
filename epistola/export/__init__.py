"""Open data, all made from the facts of the build: TEI P5 per letter (tei.py), CMIF (cmif.py),
JSON and CSV (tabular.py), the sitemap (sitemap.py), and what the XML files share (xmlutil.py).

Pure: each function takes what it reads through `read(family, key)` (site.Site.read) and returns
bytes; pages.py says where each file goes. The same facts always give the same bytes: every
date comes from edition.yaml (or from the build date, taken from SOURCE_DATE_EPOCH), never from
the clock.
"""

LETTERS_JSON = "data/letters.json"
LETTERS_CSV = "data/letters.csv"
CMIF_PATH = "data/cmif.xml"
SITEMAP = "sitemap.xml"
