"""Which text blocks of a page are main content: structural signals only, no word lists.

1. Each block alone (jusText's idea, with length in place of stopwords so it needs no
   per-language data): link-heavy blocks and short text repeated on the page are bad; long
   blocks with few links are good; short ones and sentence-like medium ones are undecided.
2. Undecided blocks take the class of their neighbours (jusText's context rules); a heading is
   kept when good text follows it closely.
3. The main container: the deepest container element holding most of the good text. Good
   blocks outside it are related-article teasers, newsletter boxes, author boxes... except a
   few long ones just before it (the article's lead often sits in a sibling element).
"""

from __future__ import annotations

from dataclasses import dataclass

from curator.stages.extract.html_blocks import TextBlock, page_blocks

GOOD, BAD, SHORT, NEAR_GOOD = "good", "bad", "short", "near_good"
# sentence-final punctuation of many scripts, and closing quotes/brackets after it
TERMINAL_PUNCTUATION = tuple(".!?…:;。！？．؟۔।॥။።፧።\"'”’»«」』)")


@dataclass(frozen=True)
class CleanerSettings:
    """Thresholds, in text units (characters; CJK characters count three)."""

    short_units: int = 30  # shorter blocks are judged by their neighbours
    good_units: int = 120  # blocks this long with few links are content
    max_link_density: float = 0.4  # more link text than this: navigation
    good_link_density: float = 0.25  # at most this much link text in a good block
    heading_distance: int = 200  # a heading is kept when good text starts within this many units
    main_share: float = 0.6  # the main container holds at least this share of the good text
    lead_blocks: int = 8  # blocks before the main container looked at for the article's lead
    lead_units: int = 80  # ...and kept when good and at least this long


def classify(blocks: list[TextBlock], s: CleanerSettings) -> list[str]:
    counts: dict[str, int] = {}
    for block in blocks:
        counts[block.text] = counts.get(block.text, 0) + 1
    classes = []
    for block in blocks:
        density = block.link_density
        if density > s.max_link_density or (counts[block.text] > 1 and block.units < s.good_units):
            classes.append(BAD)
        elif block.units < s.short_units:
            classes.append(SHORT)
        elif density <= s.good_link_density and (
            block.units >= s.good_units
            or (block.units >= 2 * s.short_units and block.text.endswith(TERMINAL_PUNCTUATION))
        ):
            classes.append(GOOD)
        else:
            classes.append(NEAR_GOOD)
    return classes


def _nearest(classes: list[str], skip: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """For each position, the closest class before and after it that is not in `skip` (BAD at the ends)."""
    before, after = [BAD] * len(classes), [BAD] * len(classes)
    last = BAD
    for i, c in enumerate(classes):
        before[i] = last
        if c not in skip:
            last = c
    last = BAD
    for i in range(len(classes) - 1, -1, -1):
        after[i] = last
        if classes[i] not in skip:
            last = classes[i]
    return before, after


def resolve_context(blocks: list[TextBlock], classes: list[str], s: CleanerSettings) -> list[str]:
    """Short and near-good blocks become good or bad by their neighbours; headings by what follows."""
    before, after = _nearest(classes, (SHORT, NEAR_GOOD))
    before_any, after_any = _nearest(classes, (SHORT,))
    revised = list(classes)
    for i, c in enumerate(classes):
        if c != SHORT:
            continue
        if before[i] == after[i]:
            revised[i] = before[i]
        elif NEAR_GOOD in (before_any[i], after_any[i]):
            revised[i] = GOOD
        else:
            revised[i] = BAD
    before, after = _nearest(revised, (SHORT, NEAR_GOOD))
    classes = [
        BAD if c == NEAR_GOOD and before[i] == after[i] == BAD else (GOOD if c == NEAR_GOOD else c)
        for i, c in enumerate(revised)
    ]
    for i, block in enumerate(blocks):
        if block.heading and classes[i] == BAD and block.link_chars == 0:
            distance = 0
            for j in range(i + 1, len(blocks)):
                if classes[j] == GOOD and not blocks[j].heading:
                    classes[i] = GOOD
                    break
                distance += blocks[j].units
                if distance > s.heading_distance:
                    break
    return classes


def main_container(blocks: list[TextBlock], classes: list[str], s: CleanerSettings) -> int | None:
    """The deepest container holding at least `main_share` of the good text (None: no good text)."""
    share: dict[int, int] = {}
    depth: dict[int, int] = {}
    total = 0
    for block, c in zip(blocks, classes, strict=True):
        if c != GOOD:
            continue
        units = block.units - block.link_chars
        total += units
        for level, container in enumerate(block.containers):
            share[container] = share.get(container, 0) + units
            depth[container] = level
    best, best_depth = None, -1
    for container, units in share.items():
        if units >= s.main_share * total and depth[container] > best_depth:
            best, best_depth = container, depth[container]
    return best


def main_content(blocks: list[TextBlock], s: CleanerSettings) -> list[TextBlock]:
    """The blocks to keep, in order."""
    if not blocks:
        return []
    classes = resolve_context(blocks, classify(blocks, s), s)
    container = main_container(blocks, classes, s)
    if container is None:
        return [b for b, c in zip(blocks, classes, strict=True) if c == GOOD]
    inside = [container in b.containers for b in blocks]
    first = inside.index(True)
    for j in range(first - 1, max(first - 1 - s.lead_blocks, -1), -1):
        inside[j] = classes[j] == GOOD and blocks[j].units >= s.lead_units
    return [b for b, c, keep in zip(blocks, classes, inside, strict=True) if keep and c == GOOD]


def page_main_content(html: str, s: CleanerSettings) -> list[TextBlock]:
    """The kept blocks of a page: resiliparse's main content, cleaned."""
    return main_content(page_blocks(html), s)


def blocks_text(blocks: list[TextBlock]) -> str:
    return "\n".join(block.text for block in blocks)
