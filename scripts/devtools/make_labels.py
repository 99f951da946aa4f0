"""Regenerate the label data files in curator/text/data/ from their sources (a developer tool).

    pip install iso639-lang langcodes language_data   # generation only, not needed at run time
    python -m scripts.devtools.make_labels

Sources, so nothing in the tables is typed by hand:
- the labels themselves: the bundled lid.176.ftz (`model.labels`), heliport's label list
  (its `confidenceThresholds` file, one line per language it can output), CLD2's detectable
  languages (`pycld2.DETECTED_LANGUAGES`) and py3langid's model classes;
- engine labels that are not ISO codes (CLD2's `iw`, `zh-Hant`; py3langid's `zxx`):
  data/label_aliases.tsv;
- ISO 639 codes, macrolanguage membership and names: the `iso639-lang` package (SIL tables);
- which member FineWeb2 uses for a macrolanguage and each language's scripts: datatrove's
  assets/tokenizer_assignment.csv (`default_code_1`, `default_script`), the table FineWeb2 used;
- a script for the few languages that table lacks: CLDR likely subtags (`langcodes`);
- the likely language of each script (CLDR likely subtags `und-<Script>`): data/script_languages.tsv,
  what LID answers for text in a script none of its engines knows (Javanese, Mongolian script);
- Wikipedia codes that differ from ISO 639: data/wikipedia_codes.tsv (lid.176 uses Wikipedia codes).
"""

from __future__ import annotations

import csv
import importlib.util
from collections import defaultdict
from pathlib import Path

from curator.text.labels import DATA_DIR, read_tsv

DATATROVE_TABLE = "assets/tokenizer_assignment.csv"


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package '{name}' is not installed")
    return Path(spec.submodule_search_locations[0])


def lid176_labels() -> list[str]:
    import fasttext

    from curator.stages.lid.engines import default_fasttext_model

    model = fasttext.load_model(str(default_fasttext_model()))
    return [label.removeprefix("__label__") for label in model.labels]


def heliport_labels() -> list[str]:
    path = _package_dir("heliport") / "confidenceThresholds"
    return [line.split()[0] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def cld2_labels() -> list[str]:
    import pycld2

    detected = set(pycld2.DETECTED_LANGUAGES)
    return list(dict.fromkeys(code for name, code in pycld2.LANGUAGES if name in detected))


def langid_labels() -> list[str]:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return list(dict.fromkeys(LanguageIdentifier.from_model_file(MODEL_FILE).nb_classes))


class Sources:
    def __init__(self):
        from iso639 import Lang, iter_langs

        self.Lang = Lang
        self.langs = list(iter_langs())
        self.wikipedia = {r["label"]: r["iso639_3"] for r in read_tsv(DATA_DIR / "wikipedia_codes.tsv")}
        self.aliases = {
            (r["engine"], r["label"]): r["iso639_3"] for r in read_tsv(DATA_DIR / "label_aliases.tsv")
        }
        table = _package_dir("datatrove") / DATATROVE_TABLE
        with table.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        self.scripts: dict[str, list[str]] = defaultdict(list)  # code_3 -> scripts, default first
        self.default_member: dict[str, str] = {}  # ISO 639-1 code -> FineWeb2's ISO 639-3 code
        for row in rows:
            if row["default_script"] == "TRUE":
                self.scripts[row["code_3"]].insert(0, row["script"])
            else:
                self.scripts[row["code_3"]].append(row["script"])
            if row["default_code_1"] == "TRUE" and row["default_script"] == "TRUE" and row["code_1"]:
                self.default_member.setdefault(row["code_1"], row["code_3"])

    def iso639_3(self, label: str) -> str:
        if label in self.wikipedia:
            return self.wikipedia[label]
        lang = self.Lang(label)
        return lang.pt3 or lang.pt5  # collective codes (nah: Nahuatl languages) are ISO 639-5

    def individual(self, code3: str) -> str:
        """FineWeb2 labels a macrolanguage by its main member (ara -> arb, zho -> cmn, msa -> zsm).

        Only for ISO 639-1 labels: an ISO 639-3 macrolanguage label (heliport's `msa`, which also
        covers Indonesian) means the macrolanguage and is kept.
        """
        lang = self.Lang(code3)
        if lang.scope() != "Macrolanguage" or not lang.pt1:
            return code3
        member = self.default_member.get(lang.pt1)
        members = {m.pt3 for m in lang.individuals()}
        return member if member in members else code3

    def scripts_of(self, code3: str) -> list[str]:
        if self.scripts.get(code3):
            return self.scripts[code3]
        import langcodes

        return [langcodes.Language.get(code3).maximize().script]

    def name(self, code3: str) -> str:
        try:
            return self.Lang(code3).name
        except Exception:
            return ""

    def macrolanguages(self) -> list[tuple[str, str]]:
        pairs = []
        for lang in self.langs:
            if lang.scope() == "Macrolanguage":
                pairs += [(member.pt3, lang.pt3) for member in lang.individuals()]
        return sorted(pairs)


def label_rows(sources: Sources, engine: str, labels: list[str]) -> list[dict]:
    rows = []
    for label in labels:
        alias = sources.aliases.get((engine, label))
        if alias == "-":  # not a language: the engine abstains on it (engines.NOT_A_LANGUAGE)
            continue
        code3 = alias or sources.iso639_3(label)
        if (
            len(label) == 2 and not alias
        ):  # an ISO 639-1 code names the standard language: its FineWeb2 member
            code3 = sources.individual(code3)
        scripts = sources.scripts_of(code3)
        rows.append(
            {
                "engine": engine,
                "label": label,
                "language": f"{code3}_{scripts[0]}",
                "other_scripts": ",".join(s for s in dict.fromkeys(scripts[1:]) if s != scripts[0]),
                "name": sources.name(code3),
            }
        )
    return rows


def script_rows(sources: Sources) -> list[dict]:
    """ISO 15924 script -> the language CLDR finds most likely for it, in FineWeb2 form (Java -> jav_Java)."""
    from langcodes import Language
    from langcodes.data_dicts import LIKELY_SUBTAGS

    rows = []
    for key in sorted(LIKELY_SUBTAGS):
        script = key.removeprefix("und-")
        if not key.startswith("und-") or len(script) != 4 or not script[0].isupper():
            continue
        likely = Language.get(key).maximize()
        try:
            code3 = sources.individual(sources.iso639_3(likely.language))
        except Exception:  # a code iso639-lang does not know: no row
            continue
        rows.append({"script": script, "language": f"{code3}_{script}", "name": sources.name(code3)})
    return rows


def write_tsv(path: Path, header: list[str], rows: list[dict], comment: str) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write(f"# {comment}\n")
        writer = csv.DictWriter(fh, header, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def tables() -> dict[str, tuple[list[str], list[dict], str]]:
    """file name -> (header, rows, comment) of every generated table."""
    sources = Sources()
    rows = label_rows(sources, "fasttext", lid176_labels()) + label_rows(
        sources, "heliport", heliport_labels()
    )
    rows += label_rows(sources, "cld2", cld2_labels()) + label_rows(sources, "langid", langid_labels())
    macro_rows = [{"member": m, "macrolanguage": macro} for m, macro in sources.macrolanguages()]
    command = "generated by `python -m scripts.devtools.make_labels`"
    return {
        "labels.tsv": (
            ["engine", "label", "language", "other_scripts", "name"],
            rows,
            f"{command}: engine label -> ISO 639-3 + ISO 15924 (FineWeb2 style)",
        ),
        "script_languages.tsv": (
            ["script", "language", "name"],
            script_rows(sources),
            f"{command} from CLDR likely subtags (langcodes): the likely language of text in each script",
        ),
        "macrolanguages.tsv": (
            ["member", "macrolanguage"],
            macro_rows,
            f"{command} from ISO 639-3 (iso639-lang): individual language -> macrolanguage",
        ),
    }


def main() -> None:
    for name, (header, rows, comment) in tables().items():
        write_tsv(DATA_DIR / name, header, rows, comment)
        print(f"wrote {len(rows)} rows to {DATA_DIR / name}")


if __name__ == "__main__":
    main()
