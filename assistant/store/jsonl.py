"""The files backend's rows: documents and chunks as JSON lines, written with fsync so a crash leaves no torn file."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from ..types import Document


def document_to_json(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "path": doc.path,
        "title": doc.title,
        "publisher": doc.publisher,
        "sha256": doc.sha256,
        "encoding": doc.encoding,
        "page_starts": list(doc.page_starts),
        "text": doc.text,
        # The file's own metadata: an unchanged document read back for the next manifest keeps it.
        **{k: v for k, v in (("author", doc.author), ("url", doc.url)) if v is not None},
        **({"published": doc.published.isoformat()} if doc.published else {}),
    }


def document_from_json(row: dict[str, Any]) -> Document:
    return Document(
        id=row["id"],
        path=row["path"],
        title=row["title"],
        publisher=row["publisher"],
        text=row["text"],
        sha256=row["sha256"],
        page_starts=tuple(row["page_starts"]),
        encoding=row["encoding"],
        author=row.get("author"),
        published=date.fromisoformat(row["published"]) if row.get("published") else None,
        url=row.get("url"),
    )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_jsonl(path: Path, rows: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        fsync(handle)


def fsync(handle: Any) -> None:
    handle.flush()
    os.fsync(handle.fileno())
