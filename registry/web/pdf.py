"""The confirmation as a printable PDF in Chinese: number, project, checks, signature
fingerprint and a QR code with the verification address. The CJK font is embedded
(subset) so every viewer shows the right glyphs and the text can be searched."""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
STATUS_ZH = {"pass": "通过", "fail": "未通过", "not_applicable": "不适用"}


def _font(configured: str | None) -> str:
    if "CJK" in pdfmetrics.getRegisteredFontNames():
        return "CJK"
    for path in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if path and Path(path).exists():
            pdfmetrics.registerFont(TTFont("CJK", path, subfontIndex=0))
            return "CJK"
    # No CJK TrueType font on this machine: the standard CID font (not embedded; the
    # viewer supplies the glyphs). scripts/install-system-deps installs one.
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def render_pdf(
    document: dict, *, digest: str, key_id: str, verify_url: str, font_path: str | None = None
) -> bytes:
    """Every line wraps (no text is cut); the two SM3 digests and the key id stand whole
    on their own lines in a fixed-width font, so the paper copy can be checked."""
    font = _font(font_path)
    styles = getSampleStyleSheet()
    body = ParagraphStyle(
        "body", parent=styles["Normal"], fontName=font, fontSize=10.5, leading=15, wordWrap="CJK"
    )
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=TA_CENTER)
    centred = ParagraphStyle("centred", parent=body, fontSize=12, leading=18, alignment=TA_CENTER)
    mono = ParagraphStyle("mono", parent=body, fontName="Courier", fontSize=8.5, leading=11)

    def para(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text), style)

    project = document["project"]
    story: list = [
        para("数据共享完成确认意见", title),
        para(document["number"], centred),
        Spacer(1, 8 * mm),
    ]
    story += [
        para(line)
        for line in (
            f"项目名称：{project['name']}",
            f"项目编码：{project['code']}",
            f"建设单位：{project['lead_department']}",
            f"总投资：{project['investment']} 万元",
        )
    ]
    story += [Spacer(1, 4 * mm), para("检查结果：")]
    story += [
        para(f"{i}. {ch['title']}：{STATUS_ZH.get(ch['status'], ch['status'])}")
        for i, ch in enumerate(document["checks"], 1)
    ]
    story += [Spacer(1, 4 * mm), para(f"意见：{document.get('opinion') or '同意'}")]
    if document.get("override_reason"):
        story.append(
            para(
                f"特别说明（未通过的检查项经审核人员记录理由后签发）：{document['override_reason']}"
            )
        )
    story += [
        Spacer(1, 4 * mm),
        para(f"签发人：{document['issuer']['name']}    签发时间：{document['issued_at']}"),
    ]
    for label, value in (
        ("资源目录摘要（SM3）：", document["catalog_digest"]),
        ("文件摘要（SM3）：", digest),
        ("签名密钥（SM2）：", key_id),
    ):
        story += [para(label), Paragraph(escape(value), mono)]
    story += [para("核验地址："), Paragraph(escape(verify_url), mono), Spacer(1, 6 * mm)]
    qr = QrCodeWidget(verify_url)
    bounds = qr.getBounds()
    size = 32 * mm
    drawing = Drawing(
        size,
        size,
        transform=[size / (bounds[2] - bounds[0]), 0, 0, size / (bounds[3] - bounds[1]), 0, 0],
    )
    drawing.add(qr)
    story += [drawing, para("扫描二维码或访问核验地址，核对本确认意见的真实性与有效性。")]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=25 * mm,
        bottomMargin=20 * mm,
        title=f"数据共享完成确认意见 {document['number']}",
    )
    doc.build(story)
    return buf.getvalue()
