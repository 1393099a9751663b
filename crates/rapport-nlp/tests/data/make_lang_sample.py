#!/usr/bin/env python3
"""Rebuilds lang_sample.tsv, the multilingual sample of tests/lang_eval.rs.

Sources (both ship their text inside their PyPI wheels; see LANG_SAMPLE_NOTICE.md):
  * spaCy 3.8 (MIT): the example sentences of spacy/lang/<code>/examples.py;
  * Django 5/6 (BSD-3-Clause): translated messages of django/conf/locale and
    django/contrib/admin/locale (msgstr of 4 words or more and at most 160 characters, no placeholders, not fuzzy,
    differing from the English msgid), at most PER_LANG per language, picked with a fixed seed.

Usage: pip download --no-deps -d /tmp/wheels spacy django
       python3 make_lang_sample.py /tmp/wheels/spacy-*.whl /tmp/wheels/django-*.whl
"""
import ast
import random
import re
import sys
import zipfile

PER_LANG = 15
OUT = __file__.rsplit("/", 1)[0] + "/lang_sample.tsv"


def spacy_rows(wheel):
    rows = []
    with zipfile.ZipFile(wheel) as z:
        for name in sorted(z.namelist()):
            m = re.fullmatch(r"spacy/lang/([a-z]+)/examples\.py", name)
            if not m or m.group(1) == "xx":
                continue
            tree = ast.parse(z.read(name).decode("utf-8"))
            for node in tree.body:
                if isinstance(node, ast.Assign) and any(
                    getattr(t, "id", None) == "sentences" for t in node.targets
                ):
                    for s in ast.literal_eval(node.value):
                        s = " ".join(s.split())
                        if s:
                            rows.append(("spacy", m.group(1), s))
    return rows


def parse_po(text):
    entries, msgid, msgstr, cur, fuzzy, was_fuzzy = [], None, None, None, False, False
    for line in text.splitlines():
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        if line.startswith("msgid "):
            if msgid is not None and msgstr is not None:
                entries.append((msgid, msgstr, was_fuzzy))
            msgid, msgstr, cur, was_fuzzy, fuzzy = ast.literal_eval(line[6:]), None, "id", fuzzy, False
        elif line.startswith("msgstr "):
            msgstr, cur = ast.literal_eval(line[7:]), "str"
        elif line.startswith('"'):
            if cur == "id":
                msgid += ast.literal_eval(line)
            elif cur == "str" and msgstr is not None:
                msgstr += ast.literal_eval(line)
        elif line.startswith("msgid_plural") or line.startswith("msgstr["):
            cur, msgstr = None, None
    if msgid is not None and msgstr is not None:
        entries.append((msgid, msgstr, was_fuzzy))
    return entries


def django_rows(wheel):
    rng = random.Random(7)
    by_lang = {}
    with zipfile.ZipFile(wheel) as z:
        for name in sorted(z.namelist()):
            m = re.fullmatch(r"django/(?:conf|contrib/admin)/locale/([A-Za-z_]+)/LC_MESSAGES/django\.po", name)
            if not m:
                continue
            code = {"zh_Hans": "zh"}.get(m.group(1), m.group(1))
            if "_" in code:
                continue
            for msgid, msgstr, fuzzy in parse_po(z.read(name).decode("utf-8")):
                s = " ".join(msgstr.split())
                if fuzzy or not s or s == msgid or re.search(r"[%{<]", s):
                    continue
                cjk = re.search(r"[\u3040-\u30ff\u4e00-\u9fff\u0e00-\u0e7f\uac00-\ud7af]", s)
                if len(s) > 160 or (len(s.split()) < 4 and not cjk):
                    continue
                by_lang.setdefault(code, set()).add(s)
    rows = []
    for code in sorted(by_lang):
        texts = sorted(by_lang[code])
        rng.shuffle(texts)
        rows += [("django", code, s) for s in texts[:PER_LANG]]
    return rows


def main():
    spacy_wheel, django_wheel = sys.argv[1], sys.argv[2]
    rows = spacy_rows(spacy_wheel) + django_rows(django_wheel)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("source\tlang\ttext\n")
        for source, lang, text in rows:
            f.write(f"{source}\t{lang}\t{text.replace(chr(9), ' ')}\n")
    print(f"{len(rows)} rows written to {OUT}")


if __name__ == "__main__":
    main()
