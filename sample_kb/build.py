#!/usr/bin/env python3
"""Build the binary files of the sample knowledge base (sample_kb/).

The sample knowledge base belongs to a fictional utility, the Tidewater Regional
Water Authority (TRWA). All of its text was written for this project.

Text formats (handbook.md, incident-response.html, board-memo.eml, glossary.txt,
assets.csv) are edited by hand and committed as they are. This script writes the
binary ones from the text held below:

    leave-policy.docx        python-docx
    water-quality.pptx       python-pptx
    sampling-schedule.xlsx   openpyxl
    it-security.pdf          no dependency: a small PDF writer in this file
                             (standard Type 1 font Helvetica, WinAnsiEncoding,
                             Flate-compressed content streams via zlib)
    reservoir-drawdown.msg   no dependency: a small Outlook message writer in this
                             file (Compound File Binary v3 per [MS-CFB], MAPI
                             properties laid out per [MS-OXMSG], strings UTF-16LE)

Needs: Python 3.11 with python-docx, python-pptx and openpyxl, all of which the
project's own dependencies pull in (through unstructured[docx,pptx,xlsx]).

Run it from anywhere:  .venv/bin/python sample_kb/build.py

Output is deterministic: document properties carry fixed dates, and the zip
containers of docx/pptx/xlsx are rewritten with fixed timestamps, so a rebuild
gives byte-identical files. The .msg file has no timestamps or CLSIDs in its
container, and its message dates are fixed in the text below.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent / "documents"
FIXED_DT = dt.datetime(2025, 4, 1, 9, 0, 0)
FIXED_ISO = "2025-04-01T09:00:00Z"
AUTHOR = "Tidewater Regional Water Authority"


# ---------------------------------------------------------------------------
# Determinism helpers
# ---------------------------------------------------------------------------


def normalize_zip(path: Path) -> None:
    """Rewrite an OOXML zip with fixed entry timestamps and fixed core dates."""
    with zipfile.ZipFile(path) as zin:
        entries = [(info, zin.read(info.filename)) for info in zin.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zout:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + FIXED_ISO.encode() + rb"\g<2>",
                    data,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=(2025, 4, 1, 9, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zout.writestr(zi, data)
    path.write_bytes(buf.getvalue())


def set_core(props, title: str, subject: str) -> None:
    props.title = title
    props.subject = subject
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.created = FIXED_DT
    props.modified = FIXED_DT
    props.revision = 1


# ---------------------------------------------------------------------------
# leave-policy.docx
# ---------------------------------------------------------------------------

LEAVE_POLICY = [
    ("title", "Leave Policy"),
    (
        "p",
        "Tidewater Regional Water Authority. Policy number HR-POL-006, version 5.0. "
        "Approved by the Executive Leadership Team on 24 January 2025 and effective from "
        "1 February 2025. Policy owner: Manager, People and Culture.",
    ),
    ("h1", "1. Purpose and Scope"),
    (
        "p",
        "This policy explains the types of leave available to employees of the Tidewater "
        "Regional Water Authority, how leave accrues, and how to apply for it. It applies to "
        "all permanent and fixed-term employees. Casual employees are covered only by the "
        "sections on community service leave, family and domestic violence leave and "
        "wellness days, and receive a casual loading in place of other paid leave.",
    ),
    (
        "p",
        "Where an enterprise agreement provides a more generous entitlement than this "
        "policy, the enterprise agreement applies. Nothing in this policy reduces an "
        "entitlement under the national employment standards.",
    ),
    ("h1", "2. Principles"),
    (
        "p",
        "Leave exists so that people can rest, recover, care for others and meet "
        "obligations outside work. The Authority wants employees to take their leave, not to "
        "bank it. Managers are expected to approve reasonable requests, to plan rosters so "
        "that leave can be taken, and to talk with any employee whose annual leave balance "
        "is growing beyond what is healthy.",
    ),
    (
        "p",
        "Because we run an essential service around the clock, operational teams must "
        "keep minimum staffing levels. A request may be declined for operational reasons, "
        "but the manager must explain the reason and offer alternative dates.",
    ),
    ("h1", "3. Types of Leave"),
    ("h2", "3.1 Annual leave"),
    (
        "p",
        "Full-time employees accrue 20 days of paid annual leave per year, credited "
        "progressively each fortnight. Shift workers who are regularly rostered on Sundays "
        "and public holidays accrue an additional five days per year. Part-time employees "
        "accrue leave pro rata to their ordinary hours.",
    ),
    (
        "p",
        "Annual leave loading of 17.5 per cent is paid on annual leave for employees "
        "covered by an enterprise agreement, or the shift penalties the employee would have "
        "received, whichever is greater.",
    ),
    (
        "p",
        "An employee whose balance exceeds 40 days will be asked to agree a plan with their "
        "manager to reduce it to below 30 days within twelve months. If no plan can be "
        "agreed, the Authority may direct the employee to take leave with at least eight "
        "weeks of notice, and no more than a quarter of the excess at a time.",
    ),
    ("h2", "3.2 Personal and carer's leave"),
    (
        "p",
        "Full-time employees receive 15 days of paid personal leave per year, which may be "
        "used when they are unwell or injured, or to care for a member of their immediate "
        "family or household who is unwell, injured or affected by an unexpected emergency. "
        "Unused personal leave carries over from year to year without limit but is not paid "
        "out when employment ends.",
    ),
    (
        "p",
        "A medical certificate or statutory declaration is required for absences of more "
        "than two consecutive days, or for any absence on the working day immediately before "
        "or after a public holiday. Employees should tell their manager as early as possible, "
        "and before the start of their shift where they can.",
    ),
    ("h2", "3.3 Estuary Wellness Days"),
    (
        "p",
        "In addition to personal leave, every employee receives three Estuary Wellness Days "
        "per leave year. These are paid days off intended for rest and mental health. They "
        "do not require a medical certificate or a reason, and they may be taken at short "
        "notice, including on the morning itself, by letting your team leader know.",
    ),
    (
        "p",
        "Estuary Wellness Days do not carry over and are not paid out. The leave year for "
        "this purpose runs from 1 July to 30 June. New employees receive a pro-rata number of "
        "days in their first leave year, rounded up to the nearest whole day. Managers may "
        "not ask why an employee is taking one of these days, and their use is not counted "
        "in any absence reporting.",
    ),
    ("h2", "3.4 Parental leave"),
    (
        "p",
        "Employees with at least twelve months of continuous service are entitled to up to "
        "52 weeks of parental leave on the birth or adoption of a child, and may request a "
        "further 52 weeks. The primary carer receives 18 weeks of paid parental leave from "
        "the Authority at their ordinary rate, in addition to any government scheme, and the "
        "secondary carer receives four weeks. Paid parental leave may be taken at half pay "
        "over twice the period.",
    ),
    (
        "p",
        "Superannuation contributions continue to be paid on the full ordinary salary "
        "throughout any paid parental leave and for the first 26 weeks of unpaid parental "
        "leave. Employees returning from parental leave may request flexible working "
        "arrangements, and managers must respond in writing within 21 days.",
    ),
    ("h2", "3.5 Long service leave"),
    (
        "p",
        "After ten years of continuous service, employees are entitled to 13 weeks of long "
        "service leave, with a further 1.3 weeks for each additional year. Pro-rata long "
        "service leave may be taken after seven years. Long service leave may be taken at "
        "double the period on half pay.",
    ),
    ("h2", "3.6 Other leave"),
    ("p", "The Authority also provides the following paid and unpaid leave:"),
    (
        "bullet",
        "Compassionate leave of three days on the death or life-threatening illness "
        "of a member of the immediate family or household.",
    ),
    (
        "bullet",
        "Ten days of paid family and domestic violence leave per year, which is "
        "recorded in payroll under a neutral code to protect the employee's privacy.",
    ),
    (
        "bullet",
        "Community service leave for emergency service volunteers, paid for up to "
        "ten days per year, and jury duty leave paid at the ordinary rate.",
    ),
    (
        "bullet",
        "Cultural and ceremonial leave of up to five days per year for Aboriginal and "
        "Torres Strait Islander employees.",
    ),
    ("bullet", "Study leave as set out in the learning and development procedure."),
    ("h1", "4. Summary of Entitlements"),
    (
        "table",
        [
            ["Leave type", "Full-time entitlement", "Paid", "Carries over"],
            ["Annual leave", "20 days per year (25 for shift workers)", "Yes", "Yes"],
            ["Personal and carer's leave", "15 days per year", "Yes", "Yes"],
            ["Wellness days", "3 days per leave year", "Yes", "No"],
            [
                "Parental leave (primary carer)",
                "18 weeks paid, up to 104 weeks total",
                "Part",
                "n/a",
            ],
            ["Compassionate leave", "3 days per occasion", "Yes", "n/a"],
            ["Family and domestic violence leave", "10 days per year", "Yes", "No"],
            ["Long service leave", "13 weeks after 10 years", "Yes", "Yes"],
        ],
    ),
    ("h1", "5. Applying for Leave"),
    ("h2", "5.1 Planned leave"),
    (
        "p",
        "Apply for planned leave through the self-service portal. For annual leave of "
        "more than five days, apply at least four weeks in advance where you can; for long "
        "service leave, give at least eight weeks' notice. Operational staff should also "
        "check the team roster before applying, since leave in the December to January "
        "peak is allocated by a ballot held each September.",
    ),
    ("h2", "5.2 Unplanned leave"),
    (
        "p",
        "If you are unable to attend work, phone your team leader, or the Control Room if "
        "you are a shift worker and your team leader cannot be reached, before your start "
        "time. A text message is acceptable for office staff. Record the absence in the "
        "self-service portal within three working days of your return.",
    ),
    ("h1", "6. Public Holidays and Shutdown"),
    (
        "p",
        "The Authority's administrative offices close between Christmas Day and New Year's "
        "Day. Office staff either take annual leave for the three working days between, or "
        "may use accrued flexitime. Operational services continue throughout, and staff "
        "rostered over the shutdown receive public holiday penalties as set out in the "
        "Operations Enterprise Agreement.",
    ),
    ("h1", "7. Related Documents"),
    ("bullet", "Employee Handbook, edition 7"),
    ("bullet", "Flexible Working Arrangements Procedure, HR-PR-011"),
    ("bullet", "Learning and Development Procedure, HR-PR-019"),
    ("bullet", "Operations Enterprise Agreement 2024"),
]


def build_docx(path: Path) -> None:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    set_core(doc.core_properties, "Leave Policy", "HR-POL-006")
    doc.styles["Normal"].font.size = Pt(11)
    for kind, content in LEAVE_POLICY:
        if kind == "title":
            doc.add_paragraph(content, style="Title")
        elif kind == "h1":
            doc.add_heading(content, level=1)
        elif kind == "h2":
            doc.add_heading(content, level=2)
        elif kind == "p":
            doc.add_paragraph(content)
        elif kind == "bullet":
            doc.add_paragraph(content, style="List Bullet")
        elif kind == "table":
            table = doc.add_table(rows=len(content), cols=len(content[0]))
            table.style = "Light Grid Accent 1"
            for r, row in enumerate(content):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
        else:
            raise ValueError(kind)
    doc.save(path)
    normalize_zip(path)


# ---------------------------------------------------------------------------
# water-quality.pptx
# ---------------------------------------------------------------------------

WATER_QUALITY_SLIDES = [
    (
        "Drinking Water Quality Report 2024",
        [
            "Tidewater Regional Water Authority",
            "Presented to the Operations Committee, 11 March 2025",
        ],
    ),
    (
        "2024 at a Glance",
        [
            "412,000 customers supplied from two treatment plants",
            "18,940 samples taken across 47 pressure zones",
            "99.97 per cent of samples met every health-based guideline value",
            "No boil water advisories issued during the year",
            "Customer complaints about water quality down 14 per cent on 2023",
        ],
    ),
    (
        "Disinfection Targets",
        [
            "Both plants switched from free chlorine to chloramination in 2019",
            "Plant outlet: chloramine residual target of 2.4 mg/L, operating band 2.1 to 2.7 mg/L",
            "Network: total chlorine at least 0.5 mg/L at 95 per cent of customer taps",
            "Monochloramine ratio held at 4.5 to 1 chlorine to ammonia by weight",
            "Nitrification watch list: the three reservoirs with the longest water age",
        ],
    ),
    (
        "Microbiological Results",
        [
            "E. coli not detected in 18,931 of 18,940 samples",
            "Nine detections, all in the reticulation and none confirmed on resample",
            "Each detection triggered flushing, a resample and a report to the health department",
            "Total coliforms detected in 0.4 per cent of samples, mainly at dead ends",
        ],
    ),
    (
        "Chemical and Physical Results",
        [
            "Turbidity below 0.3 NTU from every filter for 98.9 per cent of the time",
            "Fluoride dosed at 1.0 mg/L, within the 0.9 to 1.1 mg/L range"
            " 99.2 per cent of the time",
            "Manganese spikes at Halyard Bay plant in February after catchment bushfire runoff",
            "Disinfection by-products: trihalomethanes averaged 0.11 mg/L,"
            " below the 0.25 mg/L limit",
        ],
    ),
    (
        "Customer Complaints",
        [
            "612 water quality complaints, 1.5 per 1,000 customers",
            "Discoloured water 58 per cent, taste and odour 27 per cent, other 15 per cent",
            "Most discoloured water followed mains breaks or unplanned valve operations",
            "Average time to first response: 2.6 hours",
        ],
    ),
    (
        "Priorities for 2025",
        [
            "Begin stage one of the Halyard Bay filter upgrade",
            "Extend the unidirectional flushing programme to six more pressure zones",
            "Install online chlorine analysers at eight additional network sites",
            "Review the water safety plan with the health department in September",
        ],
    ),
]


def build_pptx(path: Path) -> None:
    from pptx import Presentation

    prs = Presentation()
    set_core(prs.core_properties, "Drinking Water Quality Report 2024", "Water quality")
    for i, (title, bullets) in enumerate(WATER_QUALITY_SLIDES):
        if i == 0:
            slide = prs.slides.add_slide(prs.slide_layouts[0])
            slide.shapes.title.text = title
            slide.placeholders[1].text = "\n".join(bullets)
            continue
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.text = bullets[0]
        for line in bullets[1:]:
            body.add_paragraph().text = line
    prs.save(path)
    normalize_zip(path)


# ---------------------------------------------------------------------------
# sampling-schedule.xlsx
# ---------------------------------------------------------------------------

SCHEDULE_HEADER = [
    "Site ID",
    "Site name",
    "Sample type",
    "Parameters",
    "Frequency",
    "Laboratory",
    "Responsible team",
]
SCHEDULE_ROWS = [
    [
        "RW-01",
        "Kestrel Point intake tower",
        "Raw water",
        "Cyanobacteria, cyanotoxins, algal count",
        "Weekly (May to October), monthly otherwise",
        "Halyard Bay Laboratory",
        "Catchment and Source",
    ],
    [
        "RW-02",
        "Upper river weir offtake",
        "Raw water",
        "Turbidity, colour, E. coli, pH",
        "Twice weekly",
        "Halyard Bay Laboratory",
        "Catchment and Source",
    ],
    [
        "TW-01",
        "Halyard Bay plant outlet",
        "Treated water",
        "Total chlorine, monochloramine, pH, fluoride",
        "Daily",
        "Plant laboratory",
        "Water Production",
    ],
    [
        "TW-02",
        "Northshore plant outlet",
        "Treated water",
        "Total chlorine, monochloramine, pH, fluoride",
        "Daily",
        "Plant laboratory",
        "Water Production",
    ],
    [
        "RS-04",
        "Signal Hill Reservoir outlet",
        "Reservoir",
        "Total chlorine, nitrite, E. coli",
        "Weekly",
        "Halyard Bay Laboratory",
        "Networks",
    ],
    [
        "RS-09",
        "Cormorant Ridge Reservoir outlet",
        "Reservoir",
        "Total chlorine, nitrite, E. coli",
        "Weekly",
        "Halyard Bay Laboratory",
        "Networks",
    ],
    [
        "CT-112",
        "Customer tap, Ferry Lane",
        "Customer tap",
        "E. coli, total coliforms, total chlorine",
        "Fortnightly",
        "Halyard Bay Laboratory",
        "Science and Quality",
    ],
    [
        "CT-131",
        "Customer tap, Pelican Flats school",
        "Customer tap",
        "Lead, copper, E. coli",
        "Quarterly",
        "External accredited laboratory",
        "Science and Quality",
    ],
    [
        "CT-147",
        "Customer tap, Mangrove Creek",
        "Customer tap",
        "E. coli, total coliforms, total chlorine",
        "Fortnightly",
        "Halyard Bay Laboratory",
        "Science and Quality",
    ],
    [
        "WW-01",
        "Halyard Bay works final effluent",
        "Treated effluent",
        "Ammonia, total nitrogen, total phosphorus, enterococci",
        "Daily composite",
        "Halyard Bay Laboratory",
        "Wastewater Treatment",
    ],
    [
        "WW-05",
        "Pelican Flats works final effluent",
        "Treated effluent",
        "Ammonia, total nitrogen, enterococci",
        "Three times weekly",
        "Halyard Bay Laboratory",
        "Wastewater Treatment",
    ],
    [
        "EST-3",
        "Estuary buoy 3 (mid channel)",
        "Receiving water",
        "Enterococci, dissolved oxygen, salinity",
        "Weekly",
        "External accredited laboratory",
        "Environment",
    ],
]

RESULTS_HEADER = [
    "Sample date",
    "Site ID",
    "Parameter",
    "Result",
    "Unit",
    "Guideline or limit",
    "Status",
]
RESULTS_ROWS = [
    ["2025-01-06", "TW-01", "Total chlorine", 2.38, "mg/L", "2.1 - 2.7", "Within band"],
    ["2025-01-06", "TW-02", "Total chlorine", 2.45, "mg/L", "2.1 - 2.7", "Within band"],
    ["2025-01-07", "RW-01", "Microcystin", 0.4, "ug/L", "1.3", "Below alert level"],
    ["2025-01-13", "RS-04", "Nitrite", 0.02, "mg/L", "3", "Compliant"],
    ["2025-01-14", "CT-112", "E. coli", 0, "MPN/100 mL", "0", "Compliant"],
    ["2025-01-21", "RW-01", "Microcystin", 1.1, "ug/L", "1.3", "Alert: increase to twice weekly"],
    ["2025-01-28", "RS-09", "Total chlorine", 0.62, "mg/L", ">= 0.5", "Compliant"],
    ["2025-02-03", "WW-01", "Ammonia", 1.8, "mg/L", "5 (licence)", "Compliant"],
    ["2025-02-04", "CT-131", "Lead", 0.002, "mg/L", "0.01", "Compliant"],
    ["2025-02-11", "CT-147", "E. coli", 1, "MPN/100 mL", "0", "Detection: resampled, clear"],
    ["2025-02-18", "TW-01", "Manganese", 0.06, "mg/L", "0.1 (aesthetic)", "Within guideline"],
    ["2025-02-25", "EST-3", "Enterococci", 38, "CFU/100 mL", "200", "Compliant"],
    ["2025-03-04", "WW-05", "Total nitrogen", 9.4, "mg/L", "10 (licence)", "Compliant, near limit"],
    [
        "2025-03-11",
        "RS-04",
        "Total chlorine",
        0.41,
        "mg/L",
        ">= 0.5",
        "Below target: flushing ordered",
    ],
    ["2025-03-18", "RW-02", "Turbidity", 14.2, "NTU", "n/a (raw)", "High after rain"],
    ["2025-03-25", "TW-02", "Fluoride", 0.97, "mg/L", "0.9 - 1.1", "Within band"],
]


def build_xlsx(path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.properties.creator = AUTHOR
    wb.properties.lastModifiedBy = AUTHOR
    wb.properties.title = "Water Quality Sampling Schedule 2025"
    wb.properties.created = FIXED_DT
    wb.properties.modified = FIXED_DT

    def fill(ws, header, rows, widths):
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        for col, width in zip("ABCDEFG", widths, strict=False):
            ws.column_dimensions[col].width = width
        ws.freeze_panes = "A2"

    ws = wb.active
    ws.title = "Routine Schedule"
    fill(ws, SCHEDULE_HEADER, SCHEDULE_ROWS, [9, 34, 16, 52, 40, 30, 24])
    ws2 = wb.create_sheet("Results Q1 2025")
    fill(ws2, RESULTS_HEADER, RESULTS_ROWS, [12, 9, 16, 9, 13, 18, 32])
    wb.save(path)
    normalize_zip(path)


# ---------------------------------------------------------------------------
# it-security.pdf: a minimal PDF writer
# ---------------------------------------------------------------------------

# Advance widths (1/1000 em) of Helvetica and Helvetica-Bold for codes 32..126
# in WinAnsiEncoding, from the Adobe Core 14 AFM files.
_HELV = [
    278,
    278,
    355,
    556,
    556,
    889,
    667,
    191,
    333,
    333,
    389,
    584,
    278,
    333,
    278,
    278,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    278,
    278,
    584,
    584,
    584,
    556,
    1015,
    667,
    667,
    722,
    722,
    667,
    611,
    778,
    722,
    278,
    500,
    667,
    556,
    833,
    722,
    778,
    667,
    778,
    722,
    667,
    611,
    722,
    667,
    944,
    667,
    667,
    611,
    278,
    278,
    278,
    469,
    556,
    333,
    556,
    556,
    500,
    556,
    556,
    278,
    556,
    556,
    222,
    222,
    500,
    222,
    833,
    556,
    556,
    556,
    556,
    333,
    500,
    278,
    556,
    500,
    722,
    500,
    500,
    500,
    334,
    260,
    334,
    584,
]
_HELV_BOLD = [
    278,
    333,
    474,
    556,
    556,
    889,
    722,
    238,
    333,
    333,
    389,
    584,
    278,
    333,
    278,
    278,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    333,
    333,
    584,
    584,
    584,
    611,
    975,
    722,
    722,
    722,
    722,
    667,
    611,
    778,
    722,
    278,
    556,
    722,
    611,
    833,
    722,
    778,
    667,
    778,
    722,
    667,
    611,
    722,
    667,
    944,
    667,
    667,
    611,
    333,
    278,
    333,
    584,
    556,
    333,
    556,
    611,
    556,
    611,
    556,
    333,
    611,
    611,
    278,
    278,
    556,
    278,
    889,
    611,
    611,
    611,
    611,
    389,
    556,
    333,
    611,
    556,
    778,
    556,
    556,
    500,
    389,
    280,
    389,
    584,
]
_FONTS = {"F1": ("Helvetica", _HELV), "F2": ("Helvetica-Bold", _HELV_BOLD)}


def _text_width(text: str, font: str, size: float) -> float:
    widths = _FONTS[font][1]
    return sum(widths[ord(ch) - 32] for ch in text) * size / 1000


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if line and _text_width(candidate, font, size) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def _pdf_str(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


class SimplePDF:
    """Lays out headings, paragraphs and bullets on US Letter pages."""

    W, H, MARGIN = 612, 792, 72
    STYLES = {  # kind: (font, size, leading, space_before, space_after, indent)
        "title": ("F2", 20, 24, 0, 10, 0),
        "subtitle": ("F1", 10, 13, 0, 14, 0),
        "h1": ("F2", 14, 18, 12, 10, 0),
        "h2": ("F2", 11.5, 15, 6, 8, 0),
        "p": ("F1", 10.5, 14, 0, 7, 0),
        "bullet": ("F1", 10.5, 14, 0, 4, 10),
    }

    def __init__(self, footer: str):
        self.footer = footer
        self.pages: list[list[str]] = []
        self._new_page()

    def _new_page(self):
        self.pages.append([])
        self.y = self.H - self.MARGIN

    def add(self, kind: str, text: str):
        font, size, leading, before, after, indent = self.STYLES[kind]
        x = self.MARGIN + indent
        width = self.W - 2 * self.MARGIN - indent
        lines = _wrap(text, font, size, width - (8 if kind == "bullet" else 0))
        bottom = self.MARGIN + 20
        # Headings keep with the first three lines that follow; other blocks keep at
        # least two lines together and otherwise break across pages line by line.
        need = before + leading * (len(lines) if kind in ("h1", "h2") else min(2, len(lines)))
        if kind in ("h1", "h2"):
            need += after + 3 * 14
        if self.y - need < bottom:
            self._new_page()
        elif self.y < self.H - self.MARGIN:
            self.y -= before
        for i, line in enumerate(lines):
            if self.y - leading < bottom:
                self._new_page()
            self.y -= leading
            if kind == "bullet" and i == 0:
                # WinAnsi 0x95 is the bullet glyph. No hanging indent: pdfminer only
                # groups lines into one text box when they share a left edge.
                line = "\x95 " + line
            self.pages[-1].append(
                f"BT /{font} {size} Tf {x:.2f} {self.y:.2f} Td {_pdf_str(line)} Tj ET"
            )
        self.y -= after

    def save(self, path: Path, title: str):
        n = len(self.pages)
        objs: list[bytes] = []  # object i+1

        def add_obj(body: bytes) -> int:
            objs.append(body)
            return len(objs)

        catalog = add_obj(b"")  # filled later
        pages_id = add_obj(b"")
        f1 = add_obj(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
        )
        f2 = add_obj(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
            b"/Encoding /WinAnsiEncoding >>"
        )
        kids = []
        for num, ops in enumerate(self.pages, start=1):
            footer = f"{self.footer}    Page {num} of {n}"
            fw = _text_width(footer, "F1", 8)
            ops = ops + [f"BT /F1 8 Tf {(self.W - fw) / 2:.2f} 40 Td {_pdf_str(footer)} Tj ET"]
            raw = "\n".join(ops).encode("latin-1")
            data = zlib.compress(raw, 9)
            content = add_obj(
                b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data)
                + data
                + b"\nendstream"
            )
            kids.append(
                add_obj(
                    b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] "
                    b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> /Contents %d 0 R >>"
                    % (pages_id, self.W, self.H, f1, f2, content)
                )
            )
        objs[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
        objs[pages_id - 1] = (
            b"<< /Type /Pages /Kids ["
            + b" ".join(b"%d 0 R" % k for k in kids)
            + b"] /Count %d >>" % n
        )
        info = add_obj(
            b"<< /Title "
            + _pdf_str(title).encode("latin-1")
            + b" /Author "
            + _pdf_str(AUTHOR).encode("latin-1")
            + b" /Producer (ragapp sample_kb/build.py)"
            + b" /CreationDate (D:20250401090000Z) /ModDate (D:20250401090000Z) >>"
        )

        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(objs, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
        for off in offsets:
            out += b"%010d 00000 n \n" % off
        out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
            len(objs) + 1,
            catalog,
            info,
            xref,
        )
        path.write_bytes(bytes(out))


IT_SECURITY = [
    ("title", "Information Security Standard"),
    (
        "subtitle",
        "Tidewater Regional Water Authority. Standard IT-STD-003, version 3.1, approved "
        "by the Chief Information Officer on 2 December 2024. Applies to all employees, "
        "contractors and volunteers who use Authority information or systems.",
    ),
    ("h1", "Purpose"),
    (
        "p",
        "The Authority depends on its information systems to treat and deliver water, to "
        "collect and treat wastewater, to bill customers and to pay staff. Some of those "
        "systems control physical plant, and an attacker who gained access to them could "
        "interrupt supply or cause harm to public health. This standard sets the minimum "
        "rules that everyone must follow to protect Authority information and systems. It "
        "supports the Information Security Policy and is reviewed every year by the "
        "Information Security Manager.",
    ),
    (
        "p",
        "The standard is deliberately short. Detailed technical settings for servers, "
        "network equipment and cloud services are kept in the configuration baselines "
        "maintained by the Infrastructure team, and operational technology has its own "
        "procedures that build on the rules here.",
    ),
    ("h1", "Roles and Responsibilities"),
    (
        "p",
        "The Chief Information Officer is accountable for information security across the "
        "Authority and reports on it to the Risk and Audit Committee each quarter. The "
        "Information Security Manager maintains this standard, runs the security awareness "
        "programme and leads the response to security incidents. Managers make sure their "
        "staff complete training and that access is removed promptly when people change "
        "roles or leave. Every user is responsible for following this standard and for "
        "reporting anything that looks wrong.",
    ),
    ("h1", "Accounts and Passwords"),
    ("h2", "Individual accounts"),
    (
        "p",
        "Each person has their own account, and accounts must never be shared. Shared "
        "log-ins on plant operator workstations are being phased out; until they are, each "
        "use must be recorded in the shift log. Administrator rights are granted only to "
        "named staff in the Infrastructure and Operational Technology teams, through a "
        "separate privileged account that is used only for administration.",
    ),
    ("h2", "The Lanternfish Passphrase Rule"),
    (
        "p",
        "The Authority no longer asks staff to invent short, complex passwords and change "
        "them every few months. Instead, all passwords follow the Lanternfish passphrase rule: "
        "a passphrase of at least 16 characters made of four or more unrelated words, never "
        "reused on any other site, and changed only when there is reason to think it has been "
        "exposed. Spaces are allowed. The name comes from the deep-sea fish that makes its "
        "own light: a good passphrase should be easy for you to recall and invisible to "
        "everyone else.",
    ),
    (
        "p",
        "Passphrases are checked against a list of known breached passwords when they are "
        "set. Privileged accounts and accounts with remote access must use a passphrase of "
        "at least 20 characters. Staff may store passphrases only in the approved password "
        "manager, never in documents, spreadsheets, e-mail or on paper at the desk.",
    ),
    ("h2", "Multi-factor authentication"),
    (
        "p",
        "Multi-factor authentication is required for e-mail, remote access, the finance and "
        "payroll systems and every administrator account. The approved methods are the "
        "authenticator app on an Authority or registered personal phone, or a hardware "
        "security key. Text message codes are accepted only as a temporary fallback for up "
        "to 14 days while a replacement phone is arranged. Never approve a sign-in prompt "
        "that you did not start; report it to the IT Service Desk immediately.",
    ),
    ("h1", "Devices"),
    (
        "p",
        "Only devices issued or approved by the Authority may connect to the corporate "
        "network. Laptops are encrypted and lock after five minutes without use. Mobile "
        "phones that receive Authority e-mail must have a screen lock and must be enrolled "
        "in the device management service, which allows the Authority to remove its data "
        "if the phone is lost.",
    ),
    (
        "p",
        "Report a lost or stolen device to the IT Service Desk on extension 4400 as soon "
        "as you notice, at any hour. The sooner it is reported, the sooner access can be "
        "blocked; no one has ever been disciplined for losing a device and reporting it "
        "quickly.",
    ),
    (
        "p",
        "USB storage devices are blocked on corporate computers by default. Where a "
        "business need exists, for example to load vendor updates onto isolated plant "
        "equipment, the Information Security Manager can approve an exception for an "
        "encrypted device that is scanned before each use.",
    ),
    ("h1", "Handling Information"),
    (
        "p",
        "Authority information is classified into three levels. Public information, such as "
        "published reports and the outage map, can be shared freely. Internal information, "
        "which is most of what we create, can be shared with staff and contractors who need "
        "it. Sensitive information includes customer personal and payment details, employee "
        "records, security configurations and detailed drawings of critical assets, and may "
        "be shared only with named people for a specific purpose.",
    ),
    (
        "bullet",
        "Store Authority information only in approved systems: the document "
        "management system, the shared team sites and the business applications.",
    ),
    (
        "bullet",
        "Do not forward Authority e-mail to personal accounts or upload Authority "
        "documents to personal cloud storage or public AI tools.",
    ),
    (
        "bullet",
        "Send sensitive information outside the Authority only through the secure "
        "file transfer service, never as an ordinary e-mail attachment.",
    ),
    ("bullet", "Lock your screen when you step away and use the confidential bins for paper."),
    ("h1", "Operational Technology"),
    (
        "p",
        "The SCADA network that monitors and controls treatment plants and pumping "
        "stations is kept separate from the corporate network. Traffic between the two "
        "passes only through the managed demilitarised zone, and no device may be connected "
        "to both at once. Remote access to operational technology is available only to "
        "named engineers and vendors, through the jump host, with multi-factor "
        "authentication, and each session is recorded.",
    ),
    (
        "p",
        "Changes to control system logic, set points or alarm thresholds follow the "
        "operational change procedure, which requires a second person to review the change "
        "before it is made. Vendor laptops must be scanned at the depot before connection "
        "to any plant network.",
    ),
    ("h1", "Reporting Security Incidents"),
    (
        "p",
        "Report suspicious e-mails with the Report Phishing button in the mail client. "
        "Report anything else that might be a security incident, such as a lost device, "
        "an unexpected sign-in prompt, a ransom message or unusual behaviour on a plant "
        "computer, to the IT Service Desk on extension 4400, which is staffed around the "
        "clock. Do not try to investigate the problem yourself and do not switch off an "
        "affected computer unless told to; disconnect it from the network instead.",
    ),
    (
        "p",
        "The Information Security Manager classifies every reported incident and decides "
        "whether it must be reported to the national cyber security centre, the privacy "
        "regulator or the health department. Incidents that affect water supply or "
        "treatment are also managed under the Operational Incident Response Procedure.",
    ),
    ("h1", "Training and Compliance"),
    (
        "p",
        "All users complete security awareness training within two weeks of starting and "
        "again every year. The Information Security team runs simulated phishing exercises "
        "every month; people who click a simulated link are offered a short refresher, not "
        "a reprimand. Compliance with this standard is checked by internal audit, and "
        "deliberate or repeated breaches are handled under the code of conduct.",
    ),
    (
        "p",
        "Exceptions to this standard must be requested in writing, approved by the "
        "Information Security Manager, recorded in the exceptions register and reviewed at "
        "least every six months.",
    ),
]


def build_pdf(path: Path) -> None:
    pdf = SimplePDF(footer="TRWA Information Security Standard IT-STD-003 v3.1")
    for kind, text in IT_SECURITY:
        pdf.add(kind, text)
    pdf.save(path, title="Information Security Standard")


# ---------------------------------------------------------------------------
# reservoir-drawdown.msg: a minimal Outlook message writer
# ---------------------------------------------------------------------------
#
# An Outlook .msg file is a Compound File Binary ([MS-CFB]) container, a small FAT file
# system in one file, holding the message's MAPI properties as laid out by [MS-OXMSG]:
# fixed-size values in a `__properties_version1.0` stream, and each string in a stream of
# its own named after the property tag (`__substg1.0_0037001F` is PR_SUBJECT, Unicode).

CFB_SECTOR = 512  # version 3 files
CFB_MINI_SECTOR = 64
CFB_MINI_CUTOFF = 4096  # streams shorter than this live in the mini stream
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5  # directory entry object types
BLACK = 1
# A 128-byte directory entry: name (UTF-16LE, null-terminated) and its length in bytes, object
# type, colour, left sibling, right sibling, child, CLSID, state bits, creation and modification
# times, starting sector, stream size.
_DIR_ENTRY = struct.Struct("<64sHBBIII16sIQQIQ")


def _cfb_name_key(name: str) -> tuple[int, str]:
    """[MS-CFB] 2.6.4 order of siblings: shorter names first, then by upper-cased name."""
    return (len(name), name.upper())


def _sector_chain(fat: list[int], start: int, count: int) -> None:
    fat.extend(start + i + 1 for i in range(count - 1))
    fat.append(ENDOFCHAIN)


def write_cfb(tree: dict) -> bytes:
    """A compound file whose root storage holds `tree`: {name: bytes (stream) | dict (storage)}.

    Streams under the cutoff are packed in the mini stream; the others, the mini stream itself,
    the mini FAT, the directory and the FAT take whole 512-byte sectors, in that order. The
    siblings of each storage form a balanced binary search tree with every node black, which
    [MS-CFB] allows ("the tree is simply a binary tree"). Nothing varies between runs: CLSIDs
    and timestamps are zero.
    """
    # Directory entries, the root first: [name, type, data, left, right, child].
    entries: list[list] = [["Root Entry", ROOT, None, NOSTREAM, NOSTREAM, NOSTREAM]]

    def add_children(parent: int, storage: dict) -> None:
        ids = []
        for name in sorted(storage, key=_cfb_name_key):
            value = storage[name]
            entries.append([name, STORAGE if isinstance(value, dict) else STREAM, value])
            entries[-1] += [NOSTREAM, NOSTREAM, NOSTREAM]
            ids.append(len(entries) - 1)

        def balance(run: list[int]) -> int:
            if not run:
                return NOSTREAM
            mid = len(run) // 2
            entries[run[mid]][3] = balance(run[:mid])
            entries[run[mid]][4] = balance(run[mid + 1 :])
            return run[mid]

        entries[parent][5] = balance(ids)
        for entry_id in ids:
            if entries[entry_id][1] == STORAGE:
                add_children(entry_id, entries[entry_id][2])

    add_children(0, tree)

    sectors = bytearray()  # every sector after the header, in order
    fat: list[int] = []

    def allocate(data: bytes) -> int:
        if not data:
            return ENDOFCHAIN
        start, count = len(fat), -(-len(data) // CFB_SECTOR)
        sectors.extend(data.ljust(count * CFB_SECTOR, b"\0"))
        _sector_chain(fat, start, count)
        return start

    mini_stream = bytearray()
    mini_fat: list[int] = []
    placed = {}  # entry id -> (start sector, size)
    for entry_id, (_, kind, data, *_links) in enumerate(entries):
        if kind != STREAM:
            continue
        if len(data) >= CFB_MINI_CUTOFF:
            placed[entry_id] = (allocate(data), len(data))
        elif data:
            start, count = len(mini_fat), -(-len(data) // CFB_MINI_SECTOR)
            mini_stream.extend(data.ljust(count * CFB_MINI_SECTOR, b"\0"))
            _sector_chain(mini_fat, start, count)
            placed[entry_id] = (start, len(data))
        else:
            placed[entry_id] = (ENDOFCHAIN, 0)
    placed[0] = (allocate(bytes(mini_stream)), len(mini_stream))
    per_sector = CFB_SECTOR // 4
    mini_fat += [FREESECT] * (-len(mini_fat) % per_sector)
    mini_fat_start = allocate(struct.pack(f"<{len(mini_fat)}I", *mini_fat))

    directory = bytearray()
    for entry_id, (name, kind, _, left, right, child) in enumerate(entries):
        encoded = (name + "\0").encode("utf-16-le")
        start, size = placed.get(entry_id, (0, 0))
        directory += _DIR_ENTRY.pack(
            encoded, len(encoded), kind, BLACK, left, right, child, b"", 0, 0, 0, start, size
        )
    # Unused slots in the last directory sector: all zero but the three links.
    unused = _DIR_ENTRY.pack(b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"", 0, 0, 0, 0, 0)
    directory += unused * (-len(entries) % (CFB_SECTOR // _DIR_ENTRY.size))
    directory_start = allocate(bytes(directory))

    # The FAT also maps its own sectors, which follow everything else.
    fat_sectors = -(-len(fat) // (per_sector - 1))
    while len(fat) + fat_sectors > fat_sectors * per_sector:
        fat_sectors += 1
    assert fat_sectors <= 109, "more FAT sectors than the header's DIFAT holds"
    difat = list(range(len(fat), len(fat) + fat_sectors))
    fat += [FATSECT] * fat_sectors
    fat += [FREESECT] * (-len(fat) % per_sector)
    sectors += struct.pack(f"<{len(fat)}I", *fat)

    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # signature
        b"",  # CLSID
        0x003E,  # minor version
        0x0003,  # major version 3: 512-byte sectors
        0xFFFE,  # byte order mark: little-endian
        9,  # sector shift: 2**9 = 512
        6,  # mini sector shift: 2**6 = 64
        b"",
        0,  # number of directory sectors: always 0 in version 3
        fat_sectors,
        directory_start,
        0,  # transaction signature
        CFB_MINI_CUTOFF,
        mini_fat_start,  # ENDOFCHAIN when there is no mini stream
        len(mini_fat) // per_sector,
        ENDOFCHAIN,  # first DIFAT sector: none, the header's 109 slots suffice
        0,  # number of DIFAT sectors
    )
    header += struct.pack("<109I", *difat, *[FREESECT] * (109 - len(difat)))
    return bytes(header + sectors)


# MAPI property types ([MS-OXCDATA] 2.11.1) and the flags every property entry carries.
PT_LONG, PT_SYSTIME, PT_UNICODE = 0x0003, 0x0040, 0x001F
PROPATTR_READABLE_WRITABLE = 0x00000006


def _filetime(when: dt.datetime) -> int:
    """100-nanosecond intervals since 1 January 1601 UTC."""
    return (when - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1) * 10


def msg_properties(header: bytes, props: dict[int, object]) -> dict[str, bytes]:
    """The `__properties_version1.0` stream and the `__substg1.0_` stream of each string.

    [MS-OXMSG] 2.4: after the header come 16-byte entries: tag, flags and either the value
    (integers, times) or, for a string, its size in bytes plus 2 for the terminating null,
    which its stream leaves out.
    """
    streams = {}
    entries = bytearray(header)
    for tag, value in sorted(props.items()):
        kind = tag & 0xFFFF
        if kind == PT_UNICODE:
            data = value.encode("utf-16-le")
            streams[f"__substg1.0_{tag:08X}"] = data
            entries += struct.pack("<IIII", tag, PROPATTR_READABLE_WRITABLE, len(data) + 2, 0)
        elif kind == PT_LONG:
            entries += struct.pack("<IIiI", tag, PROPATTR_READABLE_WRITABLE, value, 0)
        elif kind == PT_SYSTIME:
            entries += struct.pack("<IIQ", tag, PROPATTR_READABLE_WRITABLE, _filetime(value))
        else:
            raise ValueError(f"property type {kind:#06x}")
    return {"__properties_version1.0": bytes(entries), **streams}


DRAWDOWN_SENT = dt.datetime(2025, 6, 5, 15, 20, tzinfo=dt.timezone(dt.timedelta(hours=10)))
DRAWDOWN_FROM = ("Daniel Whitcombe", "d.whitcombe@tidewater-water.example")
DRAWDOWN_TO = ("Operations staff", "operations@tidewater-water.example")
DRAWDOWN_SUBJECT = "Follow-up: Heron Reach reservoir drawdown for the spillway gate works"
DRAWDOWN_BODY = [
    "Hi all,",
    "Thanks to everyone who came to Tuesday's briefing at the Halyard Bay depot. As promised, "
    "here is a written summary of the Heron Reach reservoir drawdown, so that the shift teams, "
    "the catchment rangers and the customer contact centre are all working from the same plan. "
    "The full method statement is on the Operations team site under OPS-MS-031.",
    "The drawdown starts at 6 am on Monday 16 June 2025. We will lower Heron Reach from its "
    "current 91 per cent to 58 per cent of capacity, releasing no more than 35 megalitres a day "
    "through the scour valve, and hold it at that level until the contractor has replaced both "
    "radial spillway gates. The gate works are programmed for nine weeks, so we expect to start "
    "refilling in the second half of August, weather permitting.",
    "Supply to customers is not affected. While Heron Reach is low, the Halyard Bay treatment "
    "plant will take a larger share of its raw water from the river offtake, and the Control "
    "Room will check raw water turbidity and manganese at the plant inlet every hour instead of "
    "every four hours. Record any manganese reading above 0.05 mg/L in the shift log and call "
    "the duty process engineer.",
    "The exposed banks will be soft and unstable for several weeks. The boat ramp and the "
    "eastern foreshore walking track close to the public from Friday 13 June, and the rangers "
    "will put up signs this week. Nobody is to walk on exposed mud for any reason; if you need "
    "to inspect the outlet works, take a second person and use the pontoon.",
    "The drawdown also gives us a rare chance to inspect the upstream face of the dam wall. The "
    "dam safety engineer has booked a survey crew from 30 June to 4 July. Anyone who notices "
    "new seepage, cracking or slumping on the wall should report it to the Control Room "
    "straight away, whatever the hour.",
    "Contact centre staff can expect calls about the low water level and the closed track. "
    "The message is simple: this is planned maintenance, drinking water supply is not affected, "
    "and the foreshore will reopen once the reservoir has refilled. A short set of questions "
    "and answers is on the team site.",
    "If you have any questions, call me on extension 4127 or talk to your team leader.",
    "Thanks,",
    "Daniel Whitcombe\r\nOperations Manager\r\nTidewater Regional Water Authority",
]


def build_msg(path: Path) -> None:
    sent = DRAWDOWN_SENT.astimezone(dt.UTC)
    message = msg_properties(
        # [MS-OXMSG] 2.4.1.1 top-level header: 8 reserved bytes, next recipient ID, next
        # attachment ID, recipient count, attachment count, 8 reserved bytes.
        struct.pack("<8xIIII8x", 1, 0, 1, 0),
        {
            0x001A001F: "IPM.Note",  # PR_MESSAGE_CLASS
            0x0037001F: DRAWDOWN_SUBJECT,  # PR_SUBJECT
            0x00390040: sent,  # PR_CLIENT_SUBMIT_TIME
            0x0C1A001F: DRAWDOWN_FROM[0],  # PR_SENDER_NAME
            0x0C1E001F: "SMTP",  # PR_SENDER_ADDRTYPE
            0x0C1F001F: DRAWDOWN_FROM[1],  # PR_SENDER_EMAIL_ADDRESS
            0x0E04001F: DRAWDOWN_TO[0],  # PR_DISPLAY_TO
            0x0E060040: sent,  # PR_MESSAGE_DELIVERY_TIME
            0x0E070003: 0x00000001,  # PR_MESSAGE_FLAGS: MSGFLAG_READ
            0x1000001F: "\r\n\r\n".join(DRAWDOWN_BODY) + "\r\n",  # PR_BODY
            0x340D0003: 0x00040000,  # PR_STORE_SUPPORT_MASK: STORE_UNICODE_OK
            0x5D01001F: DRAWDOWN_FROM[1],  # PR_SENDER_SMTP_ADDRESS
        },
    )
    recipient = msg_properties(
        bytes(8),  # [MS-OXMSG] 2.4.1.2 recipient header: 8 reserved bytes
        {
            0x0C150003: 1,  # PR_RECIPIENT_TYPE: MAPI_TO
            0x3001001F: DRAWDOWN_TO[0],  # PR_DISPLAY_NAME
            0x3002001F: "SMTP",  # PR_ADDRTYPE
            0x3003001F: DRAWDOWN_TO[1],  # PR_EMAIL_ADDRESS
            0x39FE001F: DRAWDOWN_TO[1],  # PR_SMTP_ADDRESS
        },
    )
    # [MS-OXMSG] 2.2.3: the named property mapping storage is required even when, as here,
    # the message has no named properties: GUID, entry and string streams, all empty.
    nameid = {f"__substg1.0_000{n}0102": b"" for n in (2, 3, 4)}
    tree = {
        "__nameid_version1.0": nameid,
        "__recip_version1.0_#00000000": recipient,
        **message,
    }
    path.write_bytes(write_cfb(tree))


def main() -> None:
    build_docx(HERE / "leave-policy.docx")
    build_pptx(HERE / "water-quality.pptx")
    build_xlsx(HERE / "sampling-schedule.xlsx")
    build_pdf(HERE / "it-security.pdf")
    build_msg(HERE / "reservoir-drawdown.msg")
    for name in (
        "leave-policy.docx",
        "water-quality.pptx",
        "sampling-schedule.xlsx",
        "it-security.pdf",
        "reservoir-drawdown.msg",
    ):
        print(f"wrote {name} ({(HERE / name).stat().st_size} bytes)")


if __name__ == "__main__":
    main()
