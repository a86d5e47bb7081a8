"""Small statutes written for tests: an old law, and a new one whose final article ends it."""
from __future__ import annotations

from pathlib import Path

OLD, NEW = "98/2020/QH14", "99/2030/QH16"


def statute(number: str, title: str, last: str) -> str:
    """A two-article law whose last article ("Hiệu lực thi hành") reads `last`."""
    return "\n".join(["QUỐC HỘI", f"Luật số: {number}", "LUẬT", title.upper(),
                      "Điều 1. Phạm vi điều chỉnh", f"Luật này quy định về {title.lower()}.",
                      "Điều 2. Hiệu lực thi hành", last])


def old_and_new(folder: Path) -> dict[str, str]:
    """Paths of old.txt (OLD) and new.txt (NEW, which ends OLD from 01/01/2031) written in folder."""
    texts = {"old": statute(OLD, "Thử nghiệm", "Luật này có hiệu lực từ ngày 01/01/2021."),
             "new": statute(NEW, "Thử nghiệm mới", "1. Luật này có hiệu lực thi hành từ ngày 01 tháng 01 năm 2031.\n"
                                                   f"2. Luật Thử nghiệm số {OLD} hết hiệu lực kể từ ngày Luật này "
                                                   "có hiệu lực.")}
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return {name: str(folder / f"{name}.txt") for name in texts}
