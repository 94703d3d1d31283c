"""The app's own CSS: Chinese text where Streamlit's widgets print English, and a compact phone layout.

Streamlit draws some fixed English (the file uploader's "Drag and drop", "Limit 20MB per file",
"Browse files"; "Press Enter to submit form" under inputs; the "Running…" status).  The English is
hidden and, where the reader needs it, replaced by our own Chinese; each page states its limits in
its own captions.  Only this fixed stylesheet is given to Streamlit as HTML, never any text.
"""
from __future__ import annotations

import streamlit as st

CSS = """
<style>
/* file uploader: Chinese instructions, Chinese button */
[data-testid="stFileUploaderDropzoneInstructions"] > div > span,
[data-testid="stFileUploaderDropzoneInstructions"] > div > small { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::before { content: "把文件拖到这里，或点“选择文件”"; }
[data-testid="stFileUploaderDropzone"] button > * { display: none; }
[data-testid="stFileUploaderDropzone"] button::after { content: "选择文件"; font-size: 0.9rem; }
/* English hints under inputs, and the English "Running…" status */
[data-testid="InputInstructions"], [data-testid="stStatusWidget"] { display: none; }
/* anchors of citation cards land below the fixed header */
.cite-anchor { display: block; position: relative; top: -4.5rem; visibility: hidden; }
/* phones: less padding, smaller headings, tighter cards */
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding: 3rem 0.8rem 3rem 0.8rem; }
  h1 { font-size: 1.55rem !important; padding-top: 0.2rem !important; }
  [data-testid="stVerticalBlockBorderWrapper"] > div, .stVerticalBlock[class*="st-key-citation"] { padding: 0.6rem; }
}
</style>
"""


def apply() -> None:
    st.html(CSS)
