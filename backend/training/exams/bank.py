"""Question bank (题库): questions checked on the way in, no duplicates, import from Excel.

Excel layout (the first sheet, the header on row 1, one question per row after it):

    题型 | 题干 | 选项A | 选项B | … | 选项H | 答案 | 难度 | 知识点 | 解析

- 题型, 题干 and 答案 are required columns; the option columns, 难度, 知识点 and 解析 may be left out.
- 题型: 单选 / 多选 / 判断 / 填空 (a trailing 题 is fine: 单选题).
- 答案: option letters for choice questions ("B", "ACD", "A,C"); 对 / 错 (also 正确 / 错误 / √ / ×) for
  判断; for 填空 the accepted answers separated by "|" (e.g. "城管执法局|城市管理行政执法局").
- 难度: 1 (易) … 5 (难), or 易 / 较易 / 中 / 较难 / 难; empty means 3.
- 知识点: tags separated by commas, 、 or semicolons.
A file whose header lacks a required column or has merged cells is refused as a whole. Rows with errors
are reported by row number and nothing is imported until the file is clean; a question already in the
bank (same type, stem and options in any order) is skipped and reported, a repeat within the file is an
error.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata

from sqlalchemy import exists, select, update

from backend.db import session
from backend.errors import Conflict, Invalid
from backend.org.models import Officer
from backend.org.scope import get_visible
from backend.spreadsheets import MAX_REPORTED_ERRORS, FirstSheet, cell_text, header, reported
from backend.training.common import require_author
from backend.training.exams.models import (
    KIND_NAMES,
    AttemptItem,
    PaperQuestion,
    Question,
    QuestionBank,
    QuestionKind,
    QuestionTag,
)
from backend.training.models import LiveQuiz

TRUE_FALSE_OPTIONS = ["对", "错"]
MAX_OPTIONS = 8
MAX_IMPORT_ROWS = 5000
MAX_FILE_BYTES = 10 * 1024 * 1024
# Lengths of a question's texts, the same through the API and the import.
MAX_STEM_LENGTH, MAX_OPTION_LENGTH, MAX_TAG_LENGTH, MAX_EXPLANATION_LENGTH = 4000, 500, 64, 4000
OPTION_LETTERS = "ABCDEFGH"
REQUIRED_COLUMNS = ("题型", "题干", "答案")
KIND_WORDS = {"单选": QuestionKind.single, "多选": QuestionKind.multiple, "判断": QuestionKind.true_false,
              "填空": QuestionKind.fill}
TRUE_WORDS, FALSE_WORDS = {"对", "正确", "√", "是", "T", "TRUE"}, {"错", "错误", "×", "否", "F", "FALSE"}
DIFFICULTY_WORDS = {"易": 1, "较易": 2, "中": 3, "较难": 4, "难": 5}


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), collapsed spaces, lower case: what counts as the same text."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text))).strip().lower()


def fingerprint(kind: QuestionKind, stem: str, options: list[str]) -> str:
    key = [kind.value, normalise(stem), sorted(normalise(o) for o in options)]
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode()).hexdigest()


def checked_question(kind: QuestionKind, stem: str, options: list[str], answer: list) -> tuple[list, list]:
    """Check a question's options and answer; returns them as stored, or raises Invalid with a reason."""
    if not stem or not stem.strip():
        raise Invalid("题干不能为空", code="stem_required")
    if kind == QuestionKind.true_false:
        options = TRUE_FALSE_OPTIONS
    if kind == QuestionKind.fill:
        accepted = [str(a).strip() for a in answer if str(a).strip()]
        if not accepted:
            raise Invalid("填空题至少需要一个正确答案", code="no_correct_option")
        return [], accepted
    options = [str(o).strip() for o in options]
    if len(options) < 2 or len(options) > MAX_OPTIONS or not all(options):
        raise Invalid(f"选择题需要 2 到 {MAX_OPTIONS} 个非空选项", code="bad_options")
    if len({normalise(o) for o in options}) != len(options):
        raise Invalid("选项重复", code="duplicate_options")
    if not answer:
        raise Invalid("没有正确选项", code="no_correct_option")
    if not all(isinstance(a, int) and not isinstance(a, bool) and 0 <= a < len(options) for a in answer):
        raise Invalid("正确答案必须是已有选项", code="answer_out_of_range")
    answer = sorted(set(answer))
    if kind in (QuestionKind.single, QuestionKind.true_false) and len(answer) != 1:
        raise Invalid(f"{KIND_NAMES[kind]}题只能有一个正确答案", code="one_answer_only")
    if kind == QuestionKind.multiple and len(answer) < 2:
        raise Invalid("多选题至少需要两个正确选项", code="multiple_needs_two")
    return options, answer


def create_bank(actor: Officer, *, name: str) -> QuestionBank:
    """A bank of the actor's district, or the city's (no district, only the city's staff see it) when the city
    trainer makes it: its questions are what city-wide live classes ask."""
    require_author(actor)
    bank = QuestionBank(district_id=actor.district_id, name=name)
    session.add(bank)
    session.flush()
    return bank


def _bank(actor: Officer, bank_id: int) -> QuestionBank:
    require_author(actor)
    bank = get_visible(QuestionBank, bank_id, actor, what="题库")
    require_author(actor, bank)
    return bank


def _question(actor: Officer, question_id: int) -> Question:
    """A question the actor changes: of their district's banks, or of the city's for the city trainer."""
    require_author(actor)
    question = get_visible(Question, question_id, actor, what="题目")
    require_author(actor, question)
    return question


def _existing(bank_id: int, fingerprints: list[str]) -> dict[str, int]:
    """Active questions of the bank with these fingerprints (a deactivated question is no duplicate)."""
    rows = session.execute(select(Question.fingerprint, Question.id).where(
        Question.bank_id == bank_id, Question.fingerprint.in_(fingerprints), Question.active.is_(True)))
    return dict(rows.all())


def _new_question(bank: QuestionBank, kind, stem, options, answer, difficulty, tags, explanation) -> Question:
    question = Question(district_id=bank.district_id, bank_id=bank.id, kind=kind, stem=stem.strip(),
                        options=options, answer=answer, difficulty=difficulty, explanation=explanation,
                        fingerprint=fingerprint(kind, stem, options))
    question.tag_rows = [QuestionTag(tag=t) for t in _tags(tags)]
    return question


def _tags(tags) -> list[str]:
    """The knowledge points, trimmed, without blanks or repeats, in their order."""
    return list(dict.fromkeys(t.strip() for t in tags if t.strip()))


def add_question(actor: Officer, bank_id: int, *, kind: QuestionKind, stem: str, options: list[str],
                 answer: list, difficulty: int = 3, tags: list[str] = (), explanation: str | None = None) -> Question:
    bank = _bank(actor, bank_id)
    options, answer = checked_question(kind, stem, options, answer)
    same = _existing(bank.id, [fingerprint(kind, stem, options)])
    if same:
        raise Conflict(
            "题库中已有相同的题目", code="duplicate_question", errors={"question_id": next(iter(same.values()))}
        )
    question = _new_question(bank, kind, stem, options, answer, difficulty, tags, explanation)
    session.add(question)
    session.flush()
    return question


def edit_question(actor: Officer, question_id: int, *, kind: QuestionKind, stem: str, options: list[str],
                  answer: list, difficulty: int = 3, tags: list[str] = (), explanation: str | None = None) -> Question:
    """Change a question; returns it, or its new version when it has been asked already.

    A question asked in an exam attempt or an in-class quiz is never changed, so attempts keep exactly
    what they asked and how it was graded: the edit is added as a new question that takes the old
    one's place in fixed papers, and the old one is deactivated. A question never asked is changed in place.
    """
    question = _question(actor, question_id)
    if not question.active:
        raise Conflict("题目已停用，不能修改", code="question_inactive")
    options, answer = checked_question(kind, stem, options, answer)
    new_fingerprint = fingerprint(kind, stem, options)
    same = next(iter(_existing(question.bank_id, [new_fingerprint]).values()), question.id)
    if same != question.id:
        raise Conflict("题库中已有相同的题目", code="duplicate_question", errors={"question_id": same})
    if not _asked(question.id):
        question.kind, question.stem, question.options, question.answer = kind, stem.strip(), options, answer
        question.difficulty, question.explanation = difficulty, explanation
        question.fingerprint = new_fingerprint
        wanted = _tags(tags)
        question.tag_rows = ([row for row in question.tag_rows if row.tag in wanted]
                             + [QuestionTag(tag=t) for t in wanted if t not in question.tags])
        session.flush()
        return question
    question.active = False
    session.flush()  # frees the fingerprint for the new version
    bank = session.get(QuestionBank, question.bank_id)
    version = _new_question(bank, kind, stem, options, answer, difficulty, tags, explanation)
    session.add(version)
    session.flush()
    session.execute(update(PaperQuestion).where(PaperQuestion.question_id == question.id)
                    .values(question_id=version.id))
    return version


def deactivate_question(actor: Officer, question_id: int) -> Question:
    """停用: no longer drawn for new papers or attempts; attempts already made keep it as asked."""
    question = _question(actor, question_id)
    question.active = False
    session.flush()
    return question


def _asked(question_id: int) -> bool:
    """Whether any exam attempt or in-class quiz has asked this question."""
    return session.scalar(select(exists().where(AttemptItem.question_id == question_id)
                                 | exists().where(LiveQuiz.question_id == question_id)))


def import_questions(actor: Officer, bank_id: int, data: bytes) -> dict:
    """Import an Excel file in the layout above: all rows or none, duplicates of the bank skipped."""
    if len(data) > MAX_FILE_BYTES:
        raise Invalid("Excel 文件不能超过 10 MB", code="file_too_large")
    bank = _bank(actor, bank_id)
    sheet = FirstSheet(data, max_rows=MAX_IMPORT_ROWS)
    if any(merged.min_row <= 1 for merged in sheet.merged()):
        raise Invalid("表头（第 1 行）不能有合并单元格，请按模板填写", code="excel_merged_header")
    rows = sheet.rows()
    number, first = next(rows, (1, ()))
    columns = header(first if number == 1 else (), REQUIRED_COLUMNS)
    parsed, errors, seen = [], {}, {}
    for row_number, row in rows:
        cells = {name: cell_text(row[index] if index < len(row) else None) for name, index in columns.items()}
        if not any(cells.values()):
            continue
        try:
            fields = _row_question(cells)
        except Invalid as error:
            errors[str(row_number)] = error.message
            continue
        key = fingerprint(fields["kind"], fields["stem"], fields["options"])
        if key in seen:
            errors[str(row_number)] = f"与第 {seen[key]} 行的题目重复"
            continue
        seen[key] = row_number
        parsed.append((row_number, key, fields))
    if errors:
        raise Invalid(f"有 {len(errors)} 行数据有误，未导入任何题目，请修改后重新导入"
                      + (f"（列出前 {MAX_REPORTED_ERRORS} 行）" if len(errors) > MAX_REPORTED_ERRORS else ""),
                      code="excel_row_errors", errors={"rows": reported(errors)})
    existing = _existing(bank.id, [key for _, key, _ in parsed])
    created = [_new_question(bank, **fields) for _, key, fields in parsed if key not in existing]
    session.add_all(created)
    session.flush()
    duplicates = [{"row": row, "question_id": existing[key]} for row, key, _ in parsed if key in existing]
    return {"created": len(created), "duplicates": duplicates}


def _row_question(cells: dict[str, str]) -> dict:
    kind = KIND_WORDS.get(cells["题型"].removesuffix("题"))
    if kind is None:
        raise Invalid(f"题型“{cells['题型']}”无效，应为单选、多选、判断或填空")
    options = [cells.get(f"选项{letter}", "") for letter in OPTION_LETTERS]
    while options and not options[-1]:
        options.pop()
    answer = _row_answer(kind, cells["答案"], len(options))
    tags = [t for t in re.split(r"[,，、;；]", cells.get("知识点", "")) if t.strip()]
    _within_lengths(cells["题干"], options, tags, cells.get("解析", ""))
    options, answer = checked_question(kind, cells["题干"], options, answer)
    return {
        "kind": kind,
        "stem": cells["题干"],
        "options": options,
        "answer": answer,
        "difficulty": _row_difficulty(cells.get("难度", "")),
        "tags": tags,
        "explanation": cells.get("解析") or None,
    }


def _within_lengths(stem: str, options: list[str], tags: list[str], explanation: str) -> None:
    """The lengths the API allows a question (its schema uses the same limits)."""
    if len(stem) > MAX_STEM_LENGTH:
        raise Invalid(f"题干过长：{len(stem)} 字，最多 {MAX_STEM_LENGTH} 字")
    if any(len(option) > MAX_OPTION_LENGTH for option in options):
        raise Invalid(f"选项过长：每个选项最多 {MAX_OPTION_LENGTH} 字")
    if any(len(tag.strip()) > MAX_TAG_LENGTH for tag in tags):
        raise Invalid(f"知识点过长：每个最多 {MAX_TAG_LENGTH} 字")
    if len(explanation) > MAX_EXPLANATION_LENGTH:
        raise Invalid(f"解析过长：最多 {MAX_EXPLANATION_LENGTH} 字")


def _row_answer(kind: QuestionKind, text: str, option_count: int) -> list:
    if not text:
        raise Invalid("没有正确答案")
    if kind == QuestionKind.fill:
        return [part for part in re.split(r"[|｜]", text) if part.strip()]
    if kind == QuestionKind.true_false:
        word = normalise(text).upper()
        if word in TRUE_WORDS:
            return [0]
        if word in FALSE_WORDS:
            return [1]
        raise Invalid(f"判断题答案“{text}”无效，应为对或错")
    letters = re.sub(r"[\s,，、;；]", "", unicodedata.normalize("NFKC", text)).upper()
    if not letters or any(letter not in OPTION_LETTERS[:option_count] for letter in letters):
        raise Invalid(f"答案“{text}”不是已有选项的字母")
    return [OPTION_LETTERS.index(letter) for letter in letters]


def _row_difficulty(text: str) -> int:
    if not text:
        return 3
    if text in DIFFICULTY_WORDS:
        return DIFFICULTY_WORDS[text]
    if text.isdigit() and 1 <= int(text) <= 5:
        return int(text)
    raise Invalid(f"难度“{text}”无效，应为 1–5 或 易/较易/中/较难/难")
