"""Which stored story a new entry is: the same URL or GUID, or a near-identical text (a wire
story under another URL). A copy costs no fetch and no encoding, and is only noted as a
sighting; a stored copy that has only its feed text (its page failed) is upgraded by a copy
whose page works. A feed text is never merged on its own: a templated summary says too little,
and a gated one is not scored anyway."""

from __future__ import annotations

from dataclasses import dataclass, field

from pledgewatch.article import Article
from pledgewatch.dedupe import (
    SAME_STORY,
    SUMMARY_IN_PAGE,
    Fingerprint,
    contained,
    fingerprint,
    similarity,
)
from pledgewatch.passages import text_weight
from pledgewatch.storage.articles import (
    find_article_id,
    fingerprint_candidates,
    has_failed_copies,
    stored_copies,
    stored_copy_by_guid,
)
from pledgewatch.storage.db import Session

# A short sentence (a CJK character counts as three): below that (a title-only feed, a "read
# more" stub) an entry's summary says too little to judge or to match on.
MIN_SUMMARY_CHARS = 40


@dataclass
class Sorted:
    """A batch of articles sorted by what they are."""

    stories: list[Article] = field(default_factory=list)  # to encode and store (or upgrade)
    copies: list[tuple[Article, int]] = field(default_factory=list)  # of a stored article
    echoes: list[tuple[Article, int]] = field(default_factory=list)  # of stories[i]


def known_before_fetching(session: Session, article: Article) -> tuple[int | None, bool]:
    """The stored article a new entry is by its URL or GUID (None: none), and whether that copy
    has only its feed text, so that this entry's page should be fetched to replace it."""
    known = find_article_id(session, article.canonical)
    if known is None and global_guid(article.entry.guid):
        copy = stored_copy_by_guid(session, article.entry.guid)
        if copy is not None:
            return copy.id, copy.page_failed
    return known, False


def sort_batch(session: Session, articles: list[Article]) -> Sorted:
    """New stories, upgrades (upgrade_of set), copies of stored stories and echoes of a story
    earlier in this batch; fingerprints (print_) set on the stories."""
    result = Sorted()
    failed_copies = has_failed_copies(session)  # else no summary is compared
    for article in articles:
        replaces = article.replaces
        if replaces is None and global_guid(article.entry.guid):
            # Its GUID's copy may have been stored since it was looked up (another feed polled
            # side by side).
            copy = stored_copy_by_guid(session, article.entry.guid)
            if copy is not None and (not article.from_page or not copy.from_feed):
                result.copies.append((article, copy.id))
                continue
            replaces = copy.id if copy is not None else None
        if not article.from_page:
            if replaces is not None:
                result.copies.append((article, replaces))
            else:
                article.print_ = None if article.gated else fingerprint(article.text.text)
                result.stories.append(article)
            continue
        article.print_ = print_ = fingerprint(article.text.text)
        twin = next(
            (
                i
                for i, story in enumerate(result.stories)
                if story.from_page
                and story.print_ is not None
                and same(story.print_.signature, print_)
            ),
            None,
        )
        if twin is not None:
            result.echoes.append((article, twin))
            continue
        if replaces is None:
            known, from_feed = _stored_twin(session, article, print_, failed_copies)
            if known is not None and not from_feed:
                result.copies.append((article, known))
                continue
            replaces = known
        article.upgrade_of = replaces
        result.stories.append(article)
    return result


def _stored_twin(
    session: Session, article: Article, print_: Fingerprint, failed_copies: bool
) -> tuple[int | None, bool]:
    """The stored copy of a fetched page's story, and whether that copy has only its feed
    text: a stored text near this page's, or (where some copy's page failed) a stored feed
    text near this entry's summary that the page contains."""
    signatures = fingerprint_candidates(session, print_.bands)
    near = [i for i, sig in signatures.items() if same(sig, print_)]
    if near:
        copies = stored_copies(session, near)
        page_copies = [i for i in near if not copies[i].from_feed]
        return (page_copies[0], False) if page_copies else (near[0], True)
    if not failed_copies or text_weight(article.feed_text) < MIN_SUMMARY_CHARS:
        return None, False
    summary_print = fingerprint(article.feed_text)
    signatures = fingerprint_candidates(session, summary_print.bands)
    near = [i for i, sig in signatures.items() if same(sig, summary_print)]
    for copy in stored_copies(session, near).values():
        if copy.from_feed and contained(copy.text, article.text.text) >= SUMMARY_IN_PAGE:
            return copy.id, True
    return None, False


def same(signature: bytes, print_: Fingerprint) -> bool:
    return similarity(signature, print_.signature) >= SAME_STORY


def global_guid(guid: str) -> bool:
    """GUIDs that name one article worldwide (URLs, URNs, tag: URIs); not a site's '12345'."""
    return len(guid) >= 12 and (":" in guid or "/" in guid)
