"""``flask quiz``: import and export question banks from the command line."""

import json
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from school.db import db
from school.quizzes import attempts, bank
from school.quizzes.formats import excel, gift
from school.quizzes.formats.parsed import FormatError
from school.quizzes.imports import PARSERS, parse_file
from school.quizzes.models import Category, Question

quiz = AppGroup("quiz", help="题库与测验。")


def _fail(error: FormatError) -> None:
    click.echo(f"导入失败，没有导入任何题目。共 {len(error.problems)} 个问题：", err=True)
    for problem in error.problems:
        click.echo(f"  {problem}", err=True)
    raise SystemExit(1)


@quiz.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--category", help="导入到的题库分类，例如 “党章党规/党员义务”")
@click.option("--format", "fmt", type=click.Choice(sorted(PARSERS)), help="默认按扩展名判断")
@click.option("--dry-run", is_flag=True, help="只检查，不保存")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 打印解析出的题目")
def import_command(file: Path, category, fmt, dry_run, as_json) -> None:
    """Import questions from a GIFT, Aiken or Excel file (all or nothing)."""
    try:
        questions = parse_file(file.name, file.read_bytes(), fmt)
        problems = bank.check(questions)
        if problems:
            raise FormatError(problems)
    except FormatError as error:
        _fail(error)
    if as_json:
        click.echo(json.dumps([q.as_json() for q in questions], ensure_ascii=False, indent=2))
    if dry_run:
        if not as_json:
            click.echo(f"检查通过：共 {len(questions)} 题，未保存（--dry-run）。")
        return
    result = bank.add_questions(questions, category=category, by=None)
    db.session.commit()
    if not as_json:
        click.echo(f"已导入 {len(result.questions)} 题，分类：{'、'.join(result.categories)}。")


@quiz.command("export")
@click.argument("category")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
def export_command(category: str, output: Path) -> None:
    """Export a category (and its subcategories) to OUTPUT: .gift or .xlsx by extension."""
    path = bank.clean_path(category)
    questions = db.session.scalars(
        select(Question)
        .join(Category)
        .where(
            Question.retired.is_(False),
            (Category.path == path) | Category.path.startswith(path + "/", autoescape=True),
        )
        .order_by(Category.path, Question.id)
    ).all()
    if not questions:
        raise click.ClickException(f"分类“{path}”中没有题目。")
    parsed = [bank.to_parsed(q) for q in questions]
    if output.suffix.lower() == ".xlsx":
        data, warnings = excel.dump_with_warnings(parsed)
        output.write_bytes(data)
        for warning in warnings:
            click.echo(f"注意：{warning}", err=True)
    else:
        output.write_text(gift.dump(parsed), encoding="utf-8")
    click.echo(f"已导出 {len(parsed)} 题到 {output}。")


@quiz.command("close-overdue")
def close_overdue_command() -> None:
    """Finish attempts whose time is up (run from cron; pages also do this when visited)."""
    count = attempts.finish_overdue()
    db.session.commit()
    click.echo(f"已按保存的答案交卷：{count} 份。")


@quiz.command("template")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
def template_command(output: Path) -> None:
    """Write the Excel question template to OUTPUT."""
    output.write_bytes(excel.template())
    click.echo(f"已生成 Excel 题库模板：{output}")
