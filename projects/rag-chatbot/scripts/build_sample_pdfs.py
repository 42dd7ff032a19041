"""Rebuild the sample PDFs in data/docs/guides/ from the text below, byte for byte.

The PDFs are committed so that ingesting needs no PDF writer; this script documents where
they came from. Run it with the dev extras installed: `python scripts/build_sample_pdfs.py`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fpdf import FPDF

OUT = Path(__file__).resolve().parent.parent / "data" / "docs" / "guides"
# A fixed creation date keeps the output identical from run to run.
CREATED = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

GUIDES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "quick-reference.pdf": (
        "Thermostat quick reference",
        [
            (
                "The dial and the display",
                "Turn the dial to change the target temperature. Press the dial once to open "
                "the menu. The display shows the room temperature in large digits and the "
                "target temperature below it. A flame icon means the heating is running; a "
                "snowflake icon means the cooling is running. A leaf icon means Eco Mode is on.",
            ),
            (
                "Child lock",
                "Turn on the child lock in Settings > Lock to stop anyone changing the "
                "temperature at the thermostat. Unlock it with the four-digit PIN you chose in "
                "the app.",
            ),
            (
                "Factory reset",
                "A factory reset erases the Wi-Fi settings, the schedules and the link to your "
                "account. Press and hold the dial for 10 seconds until the screen turns white, "
                "then choose Factory reset and confirm. Do a factory reset before you sell or "
                "return the thermostat.",
            ),
            (
                "Cleaning",
                "Wipe the display with a dry microfibre cloth. Do not use sprays or "
                "detergents on the thermostat.",
            ),
        ],
    ),
    "safety-and-specifications.pdf": (
        "Safety information and specifications",
        [
            (
                "Safety",
                "Switch off the power at the breaker before installing or removing the "
                "thermostat. Installation must follow local electrical codes; if you are not "
                "sure, ask a qualified installer. Do not install the thermostat in a bathroom "
                "or near a heat source such as a radiator, an oven or direct sunlight.",
            ),
            (
                "Specifications",
                "Operating temperature: 0 to 40 degrees Celsius. Humidity: 10 to 90 percent, "
                "non-condensing. Display: 2.4-inch colour touch display. Wireless: Wi-Fi "
                "2.4 GHz, Bluetooth Low Energy and Thread for Matter. Power: 24 V AC from the "
                "heating system, with a built-in rechargeable battery.",
            ),
            (
                "Certifications",
                "The thermostat carries the CE and UKCA marks and complies with the EU Radio "
                "Equipment Directive. The declaration of conformity is available on request "
                "from support.",
            ),
            (
                "Recycling",
                "Do not throw the thermostat away with household waste. Return it to a "
                "collection point for electronic equipment, or send it back to us with a free "
                "recycling label from support.",
            ),
        ],
    ),
}


def build(name: str, title: str, sections: list[tuple[str, str]]) -> None:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(CREATED)
    pdf.set_title(title)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    for heading, body in sections:
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
    OUT.mkdir(parents=True, exist_ok=True)
    pdf.output(str(OUT / name))


if __name__ == "__main__":
    for name, (title, sections) in GUIDES.items():
        build(name, title, sections)
        print(f"wrote {OUT / name}")
