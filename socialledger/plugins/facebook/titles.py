"""The people an account export's entry title names ("Anna Berg kommenterade Åsa Öbergs inlägg.").

An export holds no parent of a comment, a share or a like but this localised sentence:
who did it (the account) and whose post, photo or comment it was about. The second is
a person's name with no structure around it, so the channel says who the title
names (`ContentRecord.named`) and the core keeps references there instead, as it
does for mentions: the title still says what happened, and erasing the person
leaves "[erased]s inlägg".

The shapes, Swedish, Danish and English (after the mojibake is repaired):
"X kommenterade Ys inlägg.", "X svarade på Ys kommentar.", "X delade Ys foto.",
"X gillar Ys inlägg."; "X kommenterede Ys opslag.", "X svarede på Ys kommentar.",
"X delte Ys opslag.", "X synes godt om Ys opslag."; "X commented on Y's post.",
"X replied to Y's comment.", "X shared Y's photo.", "X likes Y's post.". A title
about one's own post ("sitt eget inlägg", "his own post") or an article ("ett foto",
"a photo") names only X. A genitive is `s`, `'s`, `’s`, `:s` or a bare apostrophe:
what is named is the name without it (a Swedish name that ends in s may take no
genitive at all, "Klas Lars inlägg": the name is then read without its last s, and
an erasure of "Klas Lars" also reaches "Klas Lar", see docs/gdpr.md).
"""

from __future__ import annotations

import re

from socialledger.channels import AuthorRef

_VERBS = (
    # Swedish
    "kommenterade", "svarade på", "delade", "gillar", "gillade", "reagerade på", "taggade", "nämnde",
    # Danish
    "kommenterede", "svarede på", "delte", "synes godt om", "kan lide", "reagerede på", "taggede",
    # English
    "commented on", "replied to", "shared", "likes", "liked", "reacted to", "tagged", "mentioned",
)
_OBJECTS = (
    # Swedish
    "inlägg", "kommentar", "foto", "fotografi", "bild", "video", "livevideo", "länk", "status", "album",
    "evenemang", "händelse", "svar", "berättelse", "reel", "minne", "anteckning", "sida",
    # Danish
    "opslag", "billede", "link", "begivenhed", "historie", "note", "side",
    # English
    "post", "comment", "photo", "live video", "event", "story", "memory", "reply", "page", "note",
)
_VERB = "|".join(re.escape(v) for v in sorted(set(_VERBS), key=len, reverse=True))
_OBJECT = "|".join(re.escape(o) for o in sorted(set(_OBJECTS), key=len, reverse=True))
#: "X <verb> Y<genitive> <object>[ ...]." (Y's genitive is what tells a name from "ett foto", "his own post").
_ABOUT = re.compile(
    rf"^(?P<x>.+?) (?:{_VERB}) (?P<y>.+?)(?:'s|’s|:s|s|'|’) (?:{_OBJECT})\b.*$", re.IGNORECASE | re.DOTALL)
#: Words that are no one's name where Y stands (a pronoun's genitive: "their own" is caught by no genitive).
_NOT_NAMES = frozenset({"hennes", "hans", "deras", "dess", "sin", "sitt", "sina", "hendes", "its", "his", "her",
                        "their", "this", "that", "en", "ett", "et", "a", "an", "the"})


def named_in_title(title: str | None) -> tuple[AuthorRef, ...]:
    """The person `title` names besides the account: Y (whose item it was about), by name; () for another shape.

    X, who did it, is the account whose export this is (an export holds its owner's own posts, comments
    and shares, recorded as by the account): the account's name stays as written, and is found by search."""
    if not title:
        return ()
    text = " ".join(title.split())
    m = _ABOUT.match(text)
    names: list[str] = []
    if m is not None:
        y = m.group("y").strip()
        if y and y.lower() not in _NOT_NAMES and f"{y}s".lower() not in _NOT_NAMES and not y.lower().endswith((" own", " egen", " eget", " egna")):
            names.append(y)
    return tuple(AuthorRef(name=n) for n in names)


__all__ = ["named_in_title"]
