"""An instructor publishes a course from the browser; a reviewer approves it; a member studies it.

李明华 (``jiaoyuan``) works at a laptop: he starts a course, writes a text lesson in the editor
(the wide-screen editor, with the preview drawn by the server), brings a second lesson in from a
Word document, uploads a video and a PDF for a video lesson and a document lesson, builds the
course's exam from the question bank with the picker, and sends the course for review.
周文清 (``shenhe``), the city's reviewer, opens the request on her phone from the notification,
reads the lesson as members will, and approves it. 张丽 (``dangyuan``) finds the course in the
catalogue and studies the lesson. A second edit of the published lesson reaches her only once it
is approved too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, expect

from tests.browser.support import (
    PROJECT,
    Server,
    check_fits_phone,
    log_in,
    phone,
    screenshot,
)
from tests.studio import docx_builder as word

LAPTOP = {"width": 1280, "height": 900}
COURSE = "两新组织党建工作"
LESSON = "商会党组织怎样开展活动"
WORD_LESSON = "企业党建工作制度"
QUIZ = "两新组织党建测验"
MEDIA = PROJECT / "content" / "honour-and-shame"


@contextmanager
def laptop(browser: Browser, server: Server) -> Iterator[Page]:
    """A laptop-sized window with a mouse: where instructors write courses."""
    context = browser.new_context(base_url=server.url, viewport=LAPTOP, locale="zh-CN")
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _flash(page: Page):
    return page.locator("p.flash[role=status]")


def _type_in_editor(page: Page, text: str) -> None:
    """Replace the lesson's text in the wide-screen editor (CodeMirror inside EasyMDE)."""
    editor = page.locator(".EasyMDEContainer .CodeMirror-scroll")
    expect(editor).to_be_visible()
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def _new_lesson(teacher: Page, title: str, kind: str) -> None:
    """From the course's studio page: a new lesson of ``kind`` in the first unit."""
    teacher.get_by_role("link", name="在此单元添加课时").first.click()
    teacher.get_by_label("课时标题").fill(title)
    teacher.get_by_label("类型").select_option(label=kind)
    teacher.get_by_label("学时").fill("1")
    teacher.get_by_role("button", name="添加并编辑正文").click()
    expect(teacher.locator("h1")).to_have_text("编辑课时")


def test_instructor_publishes_a_course_through_review(
    browser: Browser, page: Page, server: Server, backend: str
) -> None:
    with server.log_on_failure(), laptop(browser, server) as teacher:
        log_in(teacher, server, "jiaoyuan")
        teacher.get_by_role("link", name="教员").first.click()
        expect(teacher.locator("h1")).to_have_text("教员工作台")
        teacher.get_by_role("link", name="新建课程").click()
        teacher.get_by_label("课程名称").fill(COURSE)
        teacher.get_by_label("一句话简介").fill("非公有制企业和社会组织里的党建工作。")
        teacher.get_by_role("button", name="创建草稿").click()
        expect(_flash(teacher)).to_have_text("课程已创建。下一步：添加课时。")
        expect(teacher.locator("h1")).to_have_text(COURSE)
        course_page = teacher.url

        teacher.get_by_role("link", name="在此单元添加课时").click()
        teacher.get_by_label("课时标题").fill(LESSON)
        teacher.get_by_label("学时").fill("1.5")
        teacher.get_by_role("button", name="添加并编辑正文").click()
        expect(teacher.locator("h1")).to_have_text("编辑课时")
        _type_in_editor(
            teacher,
            "## 活动怎么办\n\n- 每月一次主题党日\n- 结合商会例会\n\n<script>alert(1)</script>\n",
        )
        # The preview is the server's: the list is drawn, the script tag is gone.
        teacher.get_by_role("button", name="对照预览").click()
        preview = teacher.locator(".editor-preview-side")
        expect(preview.locator("li")).to_have_count(2)
        expect(preview.locator("h2")).to_have_text("活动怎么办")
        expect(preview).not_to_contain_text("alert(1)")
        assert preview.locator("script").count() == 0
        teacher.get_by_role("button", name="对照预览").click()
        teacher.get_by_role("button", name="保存", exact=True).click()
        expect(_flash(teacher)).to_have_text("已保存。")
        screenshot(teacher, f"studio-{backend}-lesson-editor")

        # A lesson from a Word document: headings, a list and a table come over.
        teacher.get_by_role("link", name=COURSE).click()
        _new_lesson(teacher, WORD_LESSON, "图文")
        document = word.docx(
            word.heading("制度建设", 1)
            + word.bullet("三会一课")
            + word.bullet("主题党日")
            + word.table([["制度", "频次"], ["支部委员会", "每月"]])
        )
        with teacher.expect_response(lambda r: r.url.endswith("/docx")) as converted:
            teacher.get_by_label("从 Word 导入").set_input_files(
                files=[
                    {
                        "name": "制度.docx",
                        "mimeType": "application/octet-stream",
                        "buffer": document,
                    }
                ]
            )
        assert converted.value.ok
        expect(teacher.locator(".editor-status")).to_contain_text("已导入")
        teacher.get_by_role("button", name="保存", exact=True).click()
        expect(_flash(teacher)).to_have_text("已保存。")

        # A video lesson and a PDF lesson, their files uploaded to the course first.
        teacher.get_by_role("link", name=COURSE).click()
        teacher.get_by_role("link", name="课程文件", exact=True).click()
        for name in ("bottom-line.webm", "study-outline.pdf"):
            teacher.get_by_label("文件", exact=True).set_input_files(MEDIA / name)
            teacher.get_by_role("button", name="上传", exact=True).click()
            expect(teacher.locator(".thread-list")).to_contain_text(name)
        for title, kind, choice in (
            ("视频：商会里的支部", "视频", "视频：bottom-line.webm"),
            ("PDF：制度汇编", "文档", "PDF：study-outline.pdf"),
        ):
            teacher.locator(".crumbs a").first.click()
            _new_lesson(teacher, title, kind)
            teacher.get_by_label("视频或 PDF 文件").select_option(label=choice)
            teacher.get_by_role("button", name="保存", exact=True).click()
            expect(_flash(teacher)).to_have_text("已保存。")

        # The exam: two questions ticked in the picker, then published.
        teacher.locator(".crumbs a").first.click()
        teacher.get_by_role("link", name="为本课程新建测验").click()
        teacher.get_by_label("测验名称").fill(QUIZ)
        teacher.get_by_role("button", name="创建测验，下一步添加题目").click()
        teacher.get_by_role("link", name="从题库选题").first.click()
        picked = teacher.locator("input[name=question_ids]")
        picked.nth(0).check()
        picked.nth(1).check()
        teacher.get_by_role("button", name="添加所选题目").click()
        expect(teacher.locator("h1")).to_have_text(QUIZ)
        expect(teacher.locator("#slots > li[data-slot]")).to_have_count(2)
        teacher.get_by_role("navigation", name="测验").get_by_role("link", name="设置").click()
        teacher.get_by_label("状态").select_option(label="发布")
        teacher.get_by_role("button", name="保存设置").click()
        teacher.goto(course_page)
        expect(teacher.locator("#quizzes")).to_contain_text(QUIZ)
        expect(teacher.locator("#quizzes")).to_contain_text("已发布 · 2 处题目")

        teacher.get_by_label("给审核员的说明（可选）").fill("请审核，春节前用。")
        teacher.get_by_role("button", name="送审").click()
        expect(_flash(teacher)).to_have_text("已送审。审核通过后学员才能看到。")
        expect(teacher.locator(".status-in_review").first).to_have_text("审核中")
        course_url = teacher.url

        # 周文清 reviews on her phone, from the notification.
        reviewer = page
        log_in(reviewer, server, "shenhe")
        reviewer.goto("/notifications/")
        reviewer.get_by_text(f"《{COURSE}》已送审，请审核。").click()
        expect(reviewer.locator("h1")).to_have_text(f"审核：{COURSE}")
        # The course's units come first (all new), then the lessons' text.
        expect(reviewer.locator(".diff", has_text="第一单元").first).to_contain_text("+ 第一单元")
        expect(reviewer.locator(".diff[aria-label^='正文']").first).to_contain_text(
            "+ - 每月一次主题党日"
        )
        expect(reviewer.locator("main")).to_contain_text("| 支部委员会 | 每月 |")
        check_fits_phone(reviewer, "the review page")
        screenshot(reviewer, f"studio-{backend}-review")
        reviewer.get_by_role("button", name="通过并发布").tap()
        expect(_flash(reviewer)).to_have_text("已通过，学员现在看到的是审核通过的版本。")

        with phone(browser, server) as member:
            log_in(member, server)
            member.goto("/")
            member.get_by_role("link", name=re.compile(COURSE)).first.tap()
            expect(member.locator("main")).to_contain_text(QUIZ)
            member_course = member.url
            member.get_by_role("link", name=re.compile(LESSON)).first.tap()
            expect(member.locator("article.lesson h2").first).to_have_text("活动怎么办")
            expect(member.locator("main")).not_to_contain_text("alert(1)")
            check_fits_phone(member, "the published lesson")
            first_lesson = member.url
            # Studied: it lands in her archive with the 学时 the instructor set.
            member.locator("#complete-button").click()
            expect(member.locator("p.flash[role=status]")).to_have_text(
                f"已记录：《{LESSON}》，1.5 学时。"
            )
            member.goto(member_course)
            member.get_by_role("link", name=re.compile(WORD_LESSON)).first.tap()
            expect(member.locator("article.lesson table td").first).to_have_text("支部委员会")
            member.goto(member_course)
            member.get_by_role("link", name=re.compile("视频：商会里的支部")).first.tap()
            expect(member.locator("article.lesson video")).to_have_count(1)
            member.goto(member_course)
            member.get_by_role("link", name=re.compile("PDF：制度汇编")).first.tap()
            expect(member.get_by_role("link", name=re.compile("打开 PDF"))).to_be_visible()

            # A second edit waits for review: the member still reads the approved text.
            teacher.goto(course_url)
            teacher.get_by_role("link", name=LESSON).click()
            _type_in_editor(teacher, "## 活动怎么办\n\n- 每季度一次联谊\n")
            teacher.get_by_role("button", name="保存为新版本").click()
            expect(_flash(teacher)).to_have_text(
                "已保存为新版本。学员仍看到原来的内容，送审通过后才会更新。"
            )
            member.goto(first_lesson)
            expect(member.locator("main")).to_contain_text("每月一次主题党日")
            expect(member.locator("main")).not_to_contain_text("每季度一次联谊")
