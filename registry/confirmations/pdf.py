"""The confirmation as a printable PDF in Chinese: number, project, checks, signature
fingerprint and a QR code with the verification address. The CJK font is embedded
(subset) so every viewer shows the right glyphs and the text can be searched."""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

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


def render_pdf(document: dict, *, digest: str, key_id: str, verify_url: str, font_path: str | None = None) -> bytes:
    font = _font(font_path)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(f"数据共享完成确认意见 {document['number']}")
    width, height = A4
    y = height - 30 * mm
    c.setFont(font, 18)
    c.drawCentredString(width / 2, y, "数据共享完成确认意见")
    y -= 10 * mm
    c.setFont(font, 12)
    c.drawCentredString(width / 2, y, document["number"])
    y -= 14 * mm
    project = document["project"]
    lines = [f"项目名称：{project['name']}", f"项目编码：{project['code']}",
             f"建设单位：{project['lead_department']}", f"总投资：{project['investment']} 万元", ""]
    lines += ["检查结果："] + [f"  {i}. {ch['title']}：{STATUS_ZH.get(ch['status'], ch['status'])}"
                               for i, ch in enumerate(document["checks"], 1)]
    lines += ["", f"意见：{document.get('opinion') or '同意'}"]
    if document.get("override_reason"):
        lines.append(f"特别说明：{document['override_reason']}")
    lines += ["", f"签发人：{document['issuer']['name']}    签发时间：{document['issued_at']}",
              f"资源目录摘要（SM3）：{document['catalog_digest']}",
              f"文件摘要（SM3）：{digest}", f"签名密钥：{key_id}（SM2）", f"核验地址：{verify_url}"]
    c.setFont(font, 10.5)
    for line in lines:
        c.drawString(20 * mm, y, line[:60])
        y -= 6.5 * mm
    qr = QrCodeWidget(verify_url)
    bounds = qr.getBounds()
    size = 32 * mm
    drawing = Drawing(size, size, transform=[size / (bounds[2] - bounds[0]), 0, 0,
                                             size / (bounds[3] - bounds[1]), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, c, width - 20 * mm - size, 25 * mm)
    c.setFont(font, 9)
    c.drawString(20 * mm, 25 * mm, "扫描二维码或访问核验地址，核对本确认意见的真实性与有效性。")
    c.showPage()
    c.save()
    return buf.getvalue()
