"""What a package says to people, in the organisation's language (`[organisation] language`: sv or en).

The printout (`pdf.py`) and the package README (`eark.py`) take every label from
here. The machine-readable parts (feed.json keys, METS, PREMIS vocabularies)
stay as the specifications name them.
"""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("sv", "en")

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        # the printout's title page
        "printout": "Archive printout",
        "printout.kind": "The feed of a social media account, as archived",
        "printout.title": "{account} {period}: archive printout, volume {number} of {count}",
        "organisation": "Organisation",
        "account": "Account",
        "channel": "Channel",
        "unit": "Unit",
        "account state": "Account state",
        "account id": "Account id",
        "period": "Period",
        "period.range": "{period}: {first} to {last}",
        "final": "final export",
        "ledger position": "Ledger position",
        "position.after": "after {previous} up to {position}",
        "position.up to": "up to {position}",
        "package": "Package",
        "supplement to": "Supplement to",
        "package made": "Package made",
        "volume": "Volume",
        "volume.of": "{number} of {count}",
        "items": "Items",
        "items.range": "{first} to {last} of {count}",
        "items.none": "none of {count}",
        "time zone": "Time zone",
        "banner.final": "FINAL: the final export of the account before it closes.",
        "banner.supplement": "Supplement to {package}: what arrived for the period after that package was made.",
        "legend": (
            "<p>Threads in reading order: a post, then its comments in time order, each comment followed by "
            "its replies; comments are indented under the post and replies under the comment. Each item shows "
            "its number in the package, kind, author and creation time.</p>"
            "<p><b>EDITED</b>: every version is shown with the time it describes; the last is the current text. "
            "<b>HIDDEN</b> / <b>REMOVED</b>: the moderation is listed with when, by whom, reason and page rule; the "
            "text of a removed item is kept and shown. <b>[raderat]</b>: the text was erased (GDPR) or disposed "
            "of; the record that it existed stays. <b>Case</b>: the diary number of a registered case. "
            "<b>BEFORE PERIOD</b>: an older item shown for events that happened in the period. "
            "<b>DELIVERED EARLIER</b>: an item another package delivered, shown again for its thread or its "
            "events. Media: what is attached, with its description; the files are in the package. "
            "<b>[U+XXXX]</b>: a character the printout's fonts cannot show, by its Unicode code point; "
            "the package's JSON representation has the text as written.</p>"
            "<p>Small print: metrics (latest counts), the platform's id (native id) and the ledger's id.</p>"),
        "seal": "Audit seal the package was cut from",
        "empty": "No posts, comments or replies in this package.",
        "continued.from": "The thread goes on from volume {number}.",
        "continued.in": "The thread goes on in volume {number}.",
        "footer": "{organisation} · volume {number} of {count}",
        "page": "page {number} of {count}",
        # items
        "kind.post": "Post", "kind.visitor_post": "Visitor post", "kind.comment": "Comment", "kind.reply": "Reply",
        "flag.EDITED": "EDITED", "flag.HIDDEN": "HIDDEN", "flag.REMOVED": "REMOVED", "flag.ERASED": "ERASED",
        "flag.DISPOSED": "DISPOSED", "flag.CASE": "CASE", "flag.BEFORE PERIOD": "BEFORE PERIOD",
        "flag.DELIVERED EARLIER": "DELIVERED EARLIER",
        "author.account": "the account ({name})",
        "state.applied": "applied", "state.approved": "approved", "state.active": "active",
        "state.rejected": "rejected", "state.closed": "closed",
        "author.unknown": "unknown author",
        "author.erased": "erased author",
        "time unknown": "time unknown",
        "before period": "Created before this period; shown for what happened to it in the period.",
        "delivered earlier": "Delivered in an earlier package; shown here for its thread or for what happened to it.",
        "version.label": "Version {number} of {count} · {change} · {time} · {source}",
        "version.current": " · current",
        "change.captured": "captured", "change.edited": "edited",
        "no text captured": "[no text captured]",
        "erased text": "[raderat] (erased)",
        "disposed text": "[raderat] (disposed of under the retention rules)",
        "without text": "[{what}, without text]",
        "media.video": "a video", "media.photo": "a photo", "media.link": "a link", "media.file": "a file",
        "media.album": "an album", "media.other": "an attachment",
        "media": "Media",
        "media.in package": "file in the package: {file}",
        "media.not in package": "not in the package (the platform's reference only)",
        "media.missing": "captured, but not in the package: {why}",
        "moderation.by": "{time} by {actor} ({source})",
        "moderation.reason": " · reason: {reason}",
        "moderation.rule": " · page rule: {rule}",
        "action.hidden": "HIDDEN", "action.unhidden": "UNHIDDEN", "action.removed": "REMOVED",
        "case": "Case",
        "case.line": "diary number {number}",
        "case.registered": ", registered {time} by {actor}",
        "also captured": "Also captured from {source} as ledger item {id}.",
        "native id": "native id {id}",
        "ledger id": "ledger id {id}",
        "in reply to": "in reply to #{number}",
        "in reply to outside": "in reply to {id} (not in this package)",
        # the README
        "readme.title": "Archive package {package}",
        "readme.organisation": "Organisation",
        "readme.code": "Identification",
        "readme.account": "Account",
        "readme.unit": "Owning unit",
        "readme.period": "Period",
        "readme.period.range": "{period} ({first} to {last}, {zone})",
        "readme.ledger": "Ledger",
        "readme.ledger.positions": "positions {first} to {last}",
        "readme.created": "Created",
        "readme.kind": "Kind",
        "readme.kind.supplement": "supplementary package",
        "readme.kind.first": "first package of the period",
        "readme.kind.final": ", final export of a closing account",
        "readme.supplements": "Supplements",
        "readme.supplements.read": "{package} (read the two together)",
        "readme.contents": "Contents",
        "readme.contents.counts": "items {items}, events {events}, case registrations {cases}",
        "readme.about": (
            "This is an E-ARK SIP (CSIP 2.1.0 / SIP 2.1.0, the Swedish FGS Paketstruktur 2.0),\n"
            "written by socialledger. The posts and comments of a public organisation's social\n"
            "media account are public records; this package keeps them with every version,\n"
            "every hide, removal and case registration recorded up to the ledger position above."),
        "readme.layout": "Layout",
        "readme.mets": "the package: agents, metadata, files, checksums (SHA-256)",
        "readme.dc": "Dublin Core description: account, period, cases, supplements",
        "readme.premis": "PREMIS 3.0: the package, items, files, agents and events",
        "readme.seal": "the audit seal receipt the package was cut from",
        "readme.this": "this file",
        "readme.schemas": "the XML schemas of the METS files",
        "readme.rep.data": "The feed as data: every item with all its versions (JSON) and captured media",
        "readme.rep.rendition": "The feed as a human-readable PDF/A rendition (the printout)",
        "readme.bytes": "{size} bytes",
        "readme.more": "... and {count} more files, listed in {mets}",
        "readme.checking": "Checking it",
        "readme.check": (
            "Every file is listed with its size and SHA-256 checksum in METS.xml or in its\n"
            "representation's METS.xml. `socialledger archive verify PACKAGE` re-checks them all\n"
            "offline, and reports missing or unlisted files. With the seal receipt,\n"
            "`socialledger audit verify --seal PACKAGE/{seal}` checks a ledger\n"
            "against the position and hash the package was cut from."),
    },
    "sv": {
        "printout": "Arkivutskrift",
        "printout.kind": "Flödet från ett konto i sociala medier, så som det arkiverats",
        "printout.title": "{account} {period}: arkivutskrift, volym {number} av {count}",
        "organisation": "Organisation",
        "account": "Konto",
        "channel": "Kanal",
        "unit": "Enhet",
        "account state": "Kontots status",
        "account id": "Kontots id",
        "period": "Period",
        "period.range": "{period}: {first} till {last}",
        "final": "slutleverans",
        "ledger position": "Position i liggaren",
        "position.after": "efter {previous} till och med {position}",
        "position.up to": "till och med {position}",
        "package": "Paket",
        "supplement to": "Komplettering till",
        "package made": "Paketet skapat",
        "volume": "Volym",
        "volume.of": "{number} av {count}",
        "items": "Poster",
        "items.range": "{first} till {last} av {count}",
        "items.none": "inga av {count}",
        "time zone": "Tidszon",
        "banner.final": "SLUTLEVERANS: kontots sista export innan det avslutas.",
        "banner.supplement": "Komplettering till {package}: det som kommit in för perioden efter att det paketet "
                             "skapades.",
        "legend": (
            "<p>Trådar i läsordning: ett inlägg, sedan dess kommentarer i tidsordning, varje kommentar följd av "
            "sina svar; kommentarer är indragna under inlägget och svar under kommentaren. Varje post visar sitt "
            "nummer i paketet, typ, författare och när den skapades.</p>"
            "<p><b>REDIGERAD</b>: varje version visas med den tid den beskriver; den sista är den aktuella texten. "
            "<b>DOLD</b> / <b>BORTTAGEN</b>: modereringen anges med när, av vem, skäl och sidregel; texten i en "
            "borttagen post bevaras och visas. <b>[raderat]</b>: texten har raderats (GDPR) eller gallrats; "
            "uppgiften att posten funnits står kvar. <b>Ärende</b>: diarienumret för ett registrerat ärende. "
            "<b>FÖRE PERIODEN</b>: en äldre post som visas för händelser under perioden. "
            "<b>LEVERERAD TIDIGARE</b>: en post som ett annat paket levererat och som visas igen för sin tråd "
            "eller sina händelser. Media: vad som är bifogat, med sin beskrivning; filerna finns i paketet. "
            "<b>[U+XXXX]</b>: ett tecken som utskriftens typsnitt inte kan visa, med sin Unicode-kodpunkt; "
            "paketets JSON-representation har texten som den skrevs.</p>"
            "<p>Finstilt: mätvärden (senaste antal), plattformens id (native id) och liggarens id.</p>"),
        "seal": "Granskningsförsegling som paketet skars ut från",
        "empty": "Inga inlägg, kommentarer eller svar i detta paket.",
        "continued.from": "Tråden fortsätter från volym {number}.",
        "continued.in": "Tråden fortsätter i volym {number}.",
        "footer": "{organisation} · volym {number} av {count}",
        "page": "sida {number} av {count}",
        "kind.post": "Inlägg", "kind.visitor_post": "Besökarinlägg", "kind.comment": "Kommentar",
        "kind.reply": "Svar",
        "flag.EDITED": "REDIGERAD", "flag.HIDDEN": "DOLD", "flag.REMOVED": "BORTTAGEN", "flag.ERASED": "RADERAD",
        "flag.DISPOSED": "GALLRAD", "flag.CASE": "ÄRENDE", "flag.BEFORE PERIOD": "FÖRE PERIODEN",
        "flag.DELIVERED EARLIER": "LEVERERAD TIDIGARE",
        "author.account": "kontot ({name})",
        "state.applied": "ansökt", "state.approved": "godkänt", "state.active": "aktivt",
        "state.rejected": "avslaget", "state.closed": "avslutat",
        "author.unknown": "okänd författare",
        "author.erased": "raderad författare",
        "time unknown": "okänd tid",
        "before period": "Skapad före perioden; visas för det som hände den under perioden.",
        "delivered earlier": "Levererad i ett tidigare paket; visas här för sin tråd eller för det som hände den.",
        "version.label": "Version {number} av {count} · {change} · {time} · {source}",
        "version.current": " · aktuell",
        "change.captured": "hämtad", "change.edited": "redigerad",
        "no text captured": "[ingen text hämtad]",
        "erased text": "[raderat] (raderad)",
        "disposed text": "[raderat] (gallrad enligt bevarandereglerna)",
        "without text": "[{what}, utan text]",
        "media.video": "en video", "media.photo": "ett foto", "media.link": "en länk", "media.file": "en fil",
        "media.album": "ett album", "media.other": "en bilaga",
        "media": "Media",
        "media.in package": "fil i paketet: {file}",
        "media.not in package": "finns inte i paketet (endast plattformens referens)",
        "media.missing": "hämtad, men finns inte i paketet: {why}",
        "moderation.by": "{time} av {actor} ({source})",
        "moderation.reason": " · skäl: {reason}",
        "moderation.rule": " · sidregel: {rule}",
        "action.hidden": "DOLD", "action.unhidden": "VISAS IGEN", "action.removed": "BORTTAGEN",
        "case": "Ärende",
        "case.line": "diarienummer {number}",
        "case.registered": ", registrerat {time} av {actor}",
        "also captured": "Hämtad även från {source} som post {id} i liggaren.",
        "native id": "plattformens id {id}",
        "ledger id": "liggarens id {id}",
        "in reply to": "svar på #{number}",
        "in reply to outside": "svar på {id} (inte i detta paket)",
        "readme.title": "Arkivpaket {package}",
        "readme.organisation": "Organisation",
        "readme.code": "Identitet",
        "readme.account": "Konto",
        "readme.unit": "Ägande enhet",
        "readme.period": "Period",
        "readme.period.range": "{period} ({first} till {last}, {zone})",
        "readme.ledger": "Liggaren",
        "readme.ledger.positions": "positionerna {first} till {last}",
        "readme.created": "Skapat",
        "readme.kind": "Slag",
        "readme.kind.supplement": "kompletterande paket",
        "readme.kind.first": "periodens första paket",
        "readme.kind.final": ", slutleverans för ett konto som avslutas",
        "readme.supplements": "Kompletterar",
        "readme.supplements.read": "{package} (läs dem tillsammans)",
        "readme.contents": "Innehåll",
        "readme.contents.counts": "poster {items}, händelser {events}, ärenderegistreringar {cases}",
        "readme.about": (
            "Detta är ett E-ARK SIP (CSIP 2.1.0 / SIP 2.1.0, FGS Paketstruktur 2.0), skrivet av\n"
            "socialledger. Inlägg och kommentarer på en offentlig organisations konto i sociala\n"
            "medier är allmänna handlingar; paketet bevarar dem med varje version, varje\n"
            "döljande, borttagning och ärenderegistrering fram till positionen ovan."),
        "readme.layout": "Innehåll i paketet",
        "readme.mets": "paketet: aktörer, metadata, filer, kontrollsummor (SHA-256)",
        "readme.dc": "beskrivning i Dublin Core: konto, period, ärenden, kompletteringar",
        "readme.premis": "PREMIS 3.0: paketet, posterna, filerna, aktörerna och händelserna",
        "readme.seal": "kvittot på granskningsförseglingen som paketet skars ut från",
        "readme.this": "denna fil",
        "readme.schemas": "XML-scheman för METS-filerna",
        "readme.rep.data": "Flödet som data: varje post med alla versioner (JSON) och hämtade mediefiler",
        "readme.rep.rendition": "Flödet som läsbar PDF/A-återgivning (utskriften)",
        "readme.bytes": "{size} byte",
        "readme.more": "... och {count} filer till, listade i {mets}",
        "readme.checking": "Kontroll",
        "readme.check": (
            "Varje fil står med storlek och SHA-256-kontrollsumma i METS.xml eller i sin\n"
            "representations METS.xml. `socialledger archive verify PAKET` kontrollerar dem alla\n"
            "utan nätverk och rapporterar saknade eller olistade filer. Med kvittot kontrollerar\n"
            "`socialledger audit verify --seal PAKET/{seal}` en liggare mot\n"
            "positionen och kontrollsumman som paketet skars ut från."),
    },
}


def labels(language: str) -> Callable[..., str]:
    """The label function of `language` (English for a language without labels): `t("key", name=value)`."""
    table = _LABELS.get(language, _LABELS["en"])

    def t(key: str, **values: object) -> str:
        text = table.get(key, _LABELS["en"].get(key, key.split(".", 1)[-1]))
        return text.format(**values) if values else text

    return t
