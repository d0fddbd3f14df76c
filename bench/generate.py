"""Realistic synthetic Facebook Graph API pages: posts with comment threads, in Swedish.

Writes a directory of page files as a crawler would save them: `feed_NNNNN.json`
(a /{page}/feed page of posts with shares, comment and reaction summaries and
per-kind reaction counts) and `comments_NNNNN.json` (a /{post}/comments page of
top-level comments, replies with `parent`, some from the page itself). Every
page carries the `paging` block real responses have, with an access token in
`next` that the ledger must never store.

`generate_comment_heavy` writes the other shape `bench/ingest.py` measures: a
busy municipal page, 1,000 posts with 99 comments each, every record a content
item (the posts and comments are crawled with `fields=id,created_time,message,
from,permalink_url,...` and no counts, so nothing becomes a count observation),
each comment by a different person, a fifth of them replies, in Swedish and Danish.

    python bench/generate.py OUT_DIR --records 100000 [--seed 1]
    python bench/generate.py OUT_DIR --comment-heavy [--posts 1000 --comments 99] [--seed 3]
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

PAGE_ID = "104729384756102"
PAGE_NAME = "Kulturhuset Tornet"

OPENINGS = ["Välkommen till", "Nu öppnar vi", "Glöm inte", "I helgen blir det", "Missa inte", "Äntligen dags för",
            "Tack alla som kom till", "Vi söker deltagare till", "Ny termin för", "Boka redan nu"]
THINGS = ["sagostunden i biblioteket", "konserten på stora scenen", "utställningen om Norrlands fjällvärld",
          "barnteatern på lördag", "skrivarverkstaden för unga", "filmkvällen med kommunens filmklubb",
          "öppet hus på kulturskolan", "författarsamtalet med årets pristagare", "loppisen på torget",
          "körens julkonsert i kyrkan"]
ENDINGS = ["Fri entré! 🎭", "Anmälan via vår webbplats.", "Vi ses där! 😊", "Ta med hela familjen 👨‍👩‍👧",
           "Öppet 10–16.", "Hjärtligt välkomna ❤️", "Begränsat antal platser.", "Fika finns att köpa ☕"]
QUESTIONS = ["När öppnar ni på söndag?", "Är det tillgänghetsanpassat för rullstol?", "Kostar det något för barn?",
             "Går det att parkera i närheten?", "Blir det fler tillfällen i vår?", "Vilken åldersgräns gäller?",
             "Kan man köpa biljett i dörren?", "Finns det hörslinga i salongen?"]
COMMENTS = ["Så roligt! 😍", "Vi kommer gärna, tack för tipset", "Äntligen något för tonåringarna",
            "Fantastiskt initiativ 👏", "Förra gången var det jättebra", "Hoppas det blir av igen i höst",
            "Min dotter älskade det ❤️", "Tack för en härlig kväll!"]
ANSWERS = ["Hej! Vi öppnar klockan 11 på söndagar. Välkommen!", "Ja, hela huset är tillgänglighetsanpassat.",
           "Det är gratis för barn under 18 år.", "Det finns parkering vid stationen, fem minuters promenad.",
           "Tack för din fråga! Vi återkommer med fler datum."]
FIRST = ["Åsa", "Örjan", "Märta", "Björn", "Lena", "Anders", "Karin", "Jönsson", "Elin", "Mohammed", "Sara", "Per",
         "Ingrid", "Ali", "Maja", "Göran", "Fatima", "Nils", "Britt-Marie", "Oskar"]
LAST = ["Öberg", "Åkesson", "Lindqvist", "Sjöström", "Karlsson", "Nyström", "Håkansson", "Ek", "Berg", "Dahl"]
REACTIONS = ["like", "love", "wow", "haha", "sad", "angry"]


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S+0000")


def token_url(path: str, rng: random.Random) -> str:
    return (f"https://graph.facebook.com/v19.0/{path}?access_token=EAAB{rng.getrandbits(64):x}ZDZD"
            f"&pretty=0&limit=25&after=QVFI{rng.getrandbits(40):x}")


def generate(out: Path, records: int, seed: int = 1, posts_per_page: int = 25) -> dict[str, int]:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    # Newest first, as the feed edge gives them: an hour apart back from May 2026. Every size
    # the benchmarks use (2,260,000 records, about 130,000 posts, reach back to 2011) lies in
    # the past, so the ingest's check of impossible times (a date in the future) refuses none,
    # and every size from about 40,000 records holds March 2026, the month the benchmarks filter on.
    newest = datetime(2026, 5, 31, 12, 0, tzinfo=UTC)
    counted = 0
    post_no = 0
    page_no = 0
    people = [(str(10_000_000_000 + i * 7919), f"{rng.choice(FIRST)} {rng.choice(LAST)}") for i in range(5000)]
    while counted < records:
        feed = []
        for _ in range(posts_per_page):
            post_no += 1
            created = newest - timedelta(hours=post_no, minutes=rng.randint(0, 59))
            post_id = f"{PAGE_ID}_{9_000_000_000_000 + post_no}"
            reactions = {k: rng.choice([0, 0, 1, 2, 3, 5, 8, 13, 40]) for k in REACTIONS}
            n_comments = rng.choice([0, 1, 2, 4, 6, 8, 12, 20])
            post = {
                "id": post_id,
                "created_time": iso(created),
                "updated_time": iso(created + timedelta(minutes=rng.choice([0, 0, 0, 5, 90]))),
                "message": f"{rng.choice(OPENINGS)} {rng.choice(THINGS)}! {rng.choice(ENDINGS)}",
                "permalink_url": f"https://www.facebook.com/{PAGE_ID}/posts/{9_000_000_000_000 + post_no}/",
                "status_type": "added_photos" if post_no % 3 == 0 else "mobile_status_update",
                "shares": {"count": rng.randint(0, 30)},
                "comments": {"data": [], "summary": {"total_count": n_comments, "can_comment": True}},
                "reactions": {"data": [], "summary": {"total_count": sum(reactions.values())}},
                **{k: {"data": [], "summary": {"total_count": v}} for k, v in reactions.items()},
            }
            if post_no % 3 == 0:
                post["attachments"] = {"data": [{
                    "type": "photo", "media_type": "photo",
                    "media": {"image": {"height": 720, "width": 720,
                                        "src": f"https://scontent.xx.fbcdn.net/v/t39/{post_no}_n.jpg?oh={rng.getrandbits(32):x}&oe=6600"}},
                    "target": {"id": str(post_no), "url": f"https://www.facebook.com/photo.php?fbid={post_no}"},
                }]}
            feed.append(post)
            counted += 4  # the post and its shares, comments and reactions counts
            if n_comments:
                comments = []
                base = 80_000_000_000_000 + post_no * 100
                toplevel: list[str] = []
                for c in range(n_comments):
                    cid = f"{9_000_000_000_000 + post_no}_{base + c}"
                    when = created + timedelta(minutes=rng.randint(3, 600) + c)
                    if toplevel and rng.random() < 0.35:
                        parent = rng.choice(toplevel)
                        comment = {"id": cid, "created_time": iso(when), "message": rng.choice(ANSWERS),
                                   "from": {"name": PAGE_NAME, "id": PAGE_ID}, "parent": {"id": parent},
                                   "like_count": rng.randint(0, 3), "comment_count": 0}
                    else:
                        uid, name = rng.choice(people)
                        text = rng.choice(QUESTIONS if rng.random() < 0.4 else COMMENTS)
                        comment = {"id": cid, "created_time": iso(when), "message": text,
                                   "from": {"name": name, "id": uid}, "like_count": rng.randint(0, 6),
                                   "comment_count": 0, "is_hidden": rng.random() < 0.02}
                        toplevel.append(cid)
                    comment["permalink_url"] = (f"https://www.facebook.com/{PAGE_ID}/posts/"
                                                f"{9_000_000_000_000 + post_no}/?comment_id={cid.split('_')[1]}")
                    comments.append(comment)
                    counted += 2  # the comment and its like count
                page = {"data": comments, "paging": {"cursors": {"before": "QVFIUmJ", "after": "QVFIUmx"},
                                                      "next": token_url(f"{post_id}/comments", rng)},
                        "summary": {"order": "chronological", "total_count": n_comments, "can_comment": True}}
                (out / f"comments_{post_no:07d}.json").write_text(json.dumps(page), encoding="utf-8")
        page_no += 1
        (out / f"feed_{page_no:06d}.json").write_text(json.dumps({
            "data": feed,
            "paging": {"cursors": {"before": "QVFIUm", "after": "QVFIUn"}, "next": token_url(f"{PAGE_ID}/feed", rng)},
        }), encoding="utf-8")
    return {"approx_records": counted, "posts": post_no, "feed_pages": page_no}


# The comment-heavy shape: a municipality's page, its posts and the many people answering them.
NOTICES = ["Vägarbete på Storgatan", "Ny detaljplan för Norra hamnen på samråd", "Vattenavstängning i Västra Tornby",
           "Förskolornas sommaröppning", "Snöröjningen i helgen", "Medborgardialog om nya badhuset",
           "Ändrade öppettider på återvinningscentralen", "Budgeten för 2027 är klar", "Ny busslinje till sjukhuset",
           "Tyck till om lekplatserna i centrum"]
DETAILS = ["Läs mer på kommunens webbplats.", "Frågor besvaras av kundcenter vardagar 8–17.",
           "Synpunkter lämnas senast den 15 mars.", "Vi ber om överseende med störningarna.",
           "Beslutet fattades av kommunfullmäktige i går kväll.", "Informationsmöte i stadshuset på torsdag kl. 18."]
OPINIONS = ["Äntligen! Det har vi väntat på länge", "Varför får vi inte veta något förrän nu?",
            "Bra initiativ, men vad kostar det skattebetalarna?", "Det här påverkar hela vårt kvarter 😡",
            "Tack för informationen 👍", "Har ni tänkt på dem som inte har bil?", "Helt obegripligt beslut",
            "Skönt att något händer i vår del av kommunen", "Kan ni lägga ut handlingarna som PDF?",
            "Vi som bor på Åsvägen har inte fått något brev", "Jag håller med föregående talare",
            "Hvornår starter arbejdet præcis?", "Det er en rigtig god idé, tak for det!",
            "Hvorfor er der ikke lavet en høring blandt beboerne?", "Min datter går i børnehave derovre, hvad nu?",
            "Det bliver spændende at følge 😊"]
MORE = ["", "", "", " Mvh en orolig förälder.", " Skärpning!", " /Boende sedan 1987", " Hälsningar från Östra sidan.",
        " Venlig hilsen en nabo.", " Tänk om ❤️", " Se även förra årets beslut."]
DANISH_FIRST = ["Søren", "Mette", "Jørgen", "Anne-Grethe", "Rasmus", "Sørine", "Bjørn", "Lærke"]
DANISH_LAST = ["Jørgensen", "Sørensen", "Møller", "Højgaard", "Kjær", "Lykkegård"]


def generate_comment_heavy(out: Path, posts: int = 1000, comments_per_post: int = 99, seed: int = 3,
                           posts_per_page: int = 25, commenters: int | None = None) -> dict[str, int]:
    """The busy municipal page: `posts` posts with `comments_per_post` comments each, every record a content item.

    Feed pages of `posts_per_page` posts (`feed_NNNNNN.json`) and one `/{post}/comments`
    page per post (`comments_NNNNNNN.json`). The crawler asked for no counts (no
    shares, reaction or comment summaries, no like_count): each post and comment is
    one record. Every comment is by a different person (a fifth of them replies to
    an earlier comment under the same post); the page's own posts name no author.
    `commenters` draws the comments' authors from that many people instead.
    """
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    person = 0
    authors: set[int] = set()
    names: dict[int, str] = {}
    feed: list[dict] = []
    page_no = 0
    for post_no in range(1, posts + 1):
        created = start + timedelta(hours=3 * post_no + rng.randint(0, 2), minutes=rng.randint(0, 59))
        number = 7_100_000_000_000 + post_no
        post_id = f"{PAGE_ID}_{number}"
        post = {
            "id": post_id,
            "created_time": iso(created),
            "updated_time": iso(created + timedelta(minutes=rng.choice([0, 0, 0, 12, 240]))),
            "message": f"{rng.choice(NOTICES)}. {rng.choice(DETAILS)} {rng.choice(DETAILS)}",
            "permalink_url": f"https://www.facebook.com/{PAGE_ID}/posts/{number}/",
            "status_type": "added_photos" if post_no % 4 == 0 else "mobile_status_update",
        }
        if post_no % 4 == 0:
            post["attachments"] = {"data": [{
                "type": "photo", "media_type": "photo",
                "media": {"image": {"height": 960, "width": 1280,
                                    "src": f"https://scontent.xx.fbcdn.net/v/t39/{number}_n.jpg"
                                           f"?oh={rng.getrandbits(32):x}&oe=6600"}},
                "target": {"id": str(number), "url": f"https://www.facebook.com/photo.php?fbid={number}"},
            }]}
        feed.append(post)
        comments = []
        toplevel: list[str] = []
        base = 60_000_000_000_000 + post_no * 1000
        when = created
        for c in range(comments_per_post):
            person = person + 1 if commenters is None else rng.randrange(1, commenters + 1)
            authors.add(person)
            cid = f"{number}_{base + c}"
            when += timedelta(minutes=rng.randint(0, 9), seconds=rng.randint(1, 59))  # in the order they came
            name = names.get(person)
            if name is None:  # a person keeps their name
                if rng.random() < 0.55:
                    name = names[person] = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                else:
                    name = names[person] = f"{rng.choice(DANISH_FIRST)} {rng.choice(DANISH_LAST)}"
            comment = {"id": cid, "created_time": iso(when),
                       "message": rng.choice(OPINIONS) + rng.choice(MORE),
                       "from": {"name": name, "id": str(20_000_000_000_000 + person * 7919)}}
            link = f"https://www.facebook.com/{PAGE_ID}/posts/{number}/?comment_id={base + c}"
            if toplevel and rng.random() < 0.2:
                parent = rng.choice(toplevel)
                comment["parent"] = {"id": parent}
                link = (f"https://www.facebook.com/{PAGE_ID}/posts/{number}/?comment_id={parent.split('_')[1]}"
                        f"&reply_comment_id={base + c}")
            else:
                toplevel.append(cid)
                if rng.random() < 0.01:
                    comment["is_hidden"] = True
            comment["permalink_url"] = link
            comments.append(comment)
        (out / f"comments_{post_no:07d}.json").write_text(json.dumps({
            "data": comments,
            "paging": {"cursors": {"before": "QVFIUmJ", "after": "QVFIUmx"},
                       "next": token_url(f"{post_id}/comments", rng)},
        }), encoding="utf-8")
        if len(feed) == posts_per_page or post_no == posts:
            page_no += 1
            (out / f"feed_{page_no:06d}.json").write_text(json.dumps({
                "data": feed,
                "paging": {"cursors": {"before": "QVFIUm", "after": "QVFIUn"},
                           "next": token_url(f"{PAGE_ID}/feed", rng)},
            }), encoding="utf-8")
            feed = []
    return {"records": posts * (1 + comments_per_post), "posts": posts, "comments": posts * comments_per_post,
            "commenters": len(authors), "feed_pages": page_no}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=None, help="default 1 (3 with --comment-heavy)")
    parser.add_argument("--comment-heavy", action="store_true", help="the busy municipal page's shape instead")
    parser.add_argument("--posts", type=int, default=1000, help="with --comment-heavy")
    parser.add_argument("--comments", type=int, default=99, help="with --comment-heavy: comments per post")
    parser.add_argument("--commenters", type=int, default=None,
                        help="with --comment-heavy: draw the authors from this many people (default: each distinct)")
    args = parser.parse_args()
    if args.comment_heavy:
        print(generate_comment_heavy(args.out, args.posts, args.comments, 3 if args.seed is None else args.seed,
                                     commenters=args.commenters))
    else:
        print(generate(args.out, args.records, 1 if args.seed is None else args.seed))


if __name__ == "__main__":
    main()
