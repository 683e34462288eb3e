"""The application style sheet, built from one palette and the scales (no Qt import).

One sheet styles every page and dialog: pages and dialogs set no colours of their own, they mark
widgets with properties the sheet knows — ``textRole`` (``title``, ``section``, ``caption``) for
the type scale, ``semantic`` (``risk``, ``overdue``, ``ok``) for state colours (always beside
words and an icon), ``emptyState`` for first-use hints — via ``ui.theme.apply``.

Focus: every focusable control gets a 2 px ring in the palette's ``focus`` colour; the border is
1 px plus 1 px of padding when unfocused, so the ring changes no size and moves nothing. A
focused default button drops its accent fill for the surface, so its ring sits on the page and
the surface like every other ring (``palettes.INDICATOR_PAIRS``).
"""

from __future__ import annotations

from ui.theme.palettes import Palette, contrast_ratio
from ui.theme.tokens import RADIUS, SPACE_M, SPACE_S, SPACE_XS, type_size

FIELDS = "QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QAbstractSpinBox"


def check_image(p: Palette) -> str:
    """The tick drawn on a checked box: Lucide's check in the colour that reads on the accent."""
    from clinician_desk.bundled.paths import resource_path

    white = p.on_accent.lower() in ("#ffffff", "#fff")
    return resource_path("icons", "theme", f"check-{'white' if white else 'black'}.svg").as_posix()


def arrow_image(p: Palette, direction: str) -> str:
    """A spin box's or combo box's arrow: Lucide's chevron with a heavier stroke, in black or
    white — whichever the palette's text is (Qt's own arrows are a hairline, faint in high
    contrast)."""
    from clinician_desk.bundled.paths import resource_path

    white = contrast_ratio(p.text, "#000000") > contrast_ratio(p.text, "#ffffff")
    name = f"chevron-{direction}-{'white' if white else 'black'}.svg"
    return resource_path("icons", "theme", name).as_posix()


def build_stylesheet(p: Palette, base_pt: float) -> str:
    title, section, caption = (type_size(r, base_pt) for r in ("title", "section", "caption"))
    check_image_path = check_image(p)
    up, down = arrow_image(p, "up"), arrow_image(p, "down")
    return f"""
QMainWindow, QDialog, QWizard, QStackedWidget#workspace_stack {{ background: {p.window}; }}
QWidget {{ color: {p.text}; }}
QToolTip {{ color: {p.text}; background: {p.surface}; border: 1px solid {p.border}; }}

QLabel#header_app_label {{ font-size: {section:.1f}pt; font-weight: 600; }}
QLabel#sync_status_label {{ font-size: {caption:.1f}pt; color: {p.muted}; }}
QLabel[textRole="title"] {{ font-size: {title:.1f}pt; font-weight: 600; }}
QLabel[textRole="section"] {{ font-size: {section:.1f}pt; font-weight: 600; }}
QLabel[textRole="caption"] {{ font-size: {caption:.1f}pt; color: {p.muted}; }}
QLabel[semantic="risk"] {{ color: {p.risk}; font-weight: 600; }}
QLabel[semantic="overdue"] {{ color: {p.overdue}; font-weight: 600; }}
QLabel[semantic="ok"] {{ color: {p.ok}; font-weight: 600; }}
QLabel:disabled {{ color: {p.disabled}; }}
QLabel[emptyState="true"] {{ color: {p.muted}; font-size: {section:.1f}pt; padding: {SPACE_M}px; }}

QPushButton, QToolButton {{
    color: {p.text}; background: {p.surface};
    border: 1px solid {p.border}; border-radius: {RADIUS}px;
    padding: {SPACE_XS + 1}px {SPACE_M + 1}px; min-height: 1.2em;
}}
QToolButton {{ padding: {SPACE_XS}px {SPACE_S + 1}px; }}
QPushButton:hover, QToolButton:hover {{ background: {p.surface_alt}; }}
QPushButton:default {{ color: {p.on_accent}; background: {p.accent}; border-color: {p.accent}; }}
QPushButton:focus, QToolButton:focus {{
    border: 2px solid {p.focus}; padding: {SPACE_XS}px {SPACE_M}px;
}}
QToolButton:focus {{ padding: {SPACE_XS - 1}px {SPACE_S}px; }}
QPushButton:default:focus {{ color: {p.accent_text}; background: {p.surface}; }}
QPushButton:disabled, QToolButton:disabled {{
    color: {p.disabled}; background: {p.window}; border-color: {p.divider};
}}

{FIELDS} {{
    color: {p.text}; background: {p.surface}; selection-color: {p.on_selection};
    selection-background-color: {p.selection};
    border: 1px solid {p.border}; border-radius: {RADIUS}px; padding: 3px;
}}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QComboBox:focus,
QAbstractSpinBox:focus {{ border: 2px solid {p.focus}; padding: 2px; }}
QLineEdit:disabled, QPlainTextEdit:disabled, QComboBox:disabled, QAbstractSpinBox:disabled {{
    color: {p.disabled}; background: {p.window};
}}
QLineEdit:read-only {{ background: {p.surface_alt}; }}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{
    subcontrol-origin: padding; width: 18px; background: {p.surface_alt};
    border-left: 1px solid {p.border};
}}
QAbstractSpinBox::up-button {{
    subcontrol-position: top right; border-top-right-radius: {RADIUS}px;
    border-bottom: 1px solid {p.border};
}}
QAbstractSpinBox::down-button {{
    subcontrol-position: bottom right; border-bottom-right-radius: {RADIUS}px;
}}
QAbstractSpinBox::up-button:hover, QAbstractSpinBox::down-button:hover {{
    background: {p.selection};
}}
QAbstractSpinBox::up-arrow {{ image: url({up}); width: 10px; height: 10px; }}
QAbstractSpinBox::down-arrow {{ image: url({down}); width: 10px; height: 10px; }}
QComboBox::drop-down {{
    subcontrol-origin: padding; subcontrol-position: top right; width: 18px;
    background: {p.surface_alt}; border-left: 1px solid {p.border};
    border-top-right-radius: {RADIUS}px; border-bottom-right-radius: {RADIUS}px;
}}
QComboBox::drop-down:hover {{ background: {p.selection}; }}
QComboBox::down-arrow {{ image: url({down}); width: 12px; height: 12px; }}
QLineEdit[invalid="true"] {{ border: 2px solid {p.risk}; padding: 2px; }}
QComboBox QAbstractItemView {{
    color: {p.text}; background: {p.surface}; selection-color: {p.on_selection};
    selection-background-color: {p.selection};
}}

QCheckBox, QRadioButton {{ padding: 2px; border: 1px solid transparent; border-radius: 3px; }}
QCheckBox::indicator, QRadioButton::indicator {{
    width: 14px; height: 14px; border: 1px solid {p.border}; background: {p.surface};
}}
QCheckBox::indicator {{ border-radius: 3px; }}
QRadioButton::indicator {{ border-radius: 8px; }}
QCheckBox::indicator:checked {{
    background: {p.accent}; border-color: {p.accent}; image: url({check_image_path});
}}
QRadioButton::indicator:checked {{
    width: 8px; height: 8px; border: 4px solid {p.accent}; background: {p.on_accent};
}}
QCheckBox::indicator:disabled, QRadioButton::indicator:disabled {{
    border-color: {p.disabled}; background: {p.window};
}}
QCheckBox:focus, QRadioButton:focus {{ border: 2px solid {p.focus}; padding: 1px; }}
QCheckBox:disabled, QRadioButton:disabled {{ color: {p.disabled}; }}

QGroupBox {{
    border: 1px solid {p.divider}; border-radius: {RADIUS}px;
    margin-top: 1.4em; padding: {SPACE_M}px {SPACE_S}px {SPACE_S}px {SPACE_S}px;
}}
QGroupBox::title {{
    subcontrol-origin: margin; left: {SPACE_S}px; padding: 0 {SPACE_XS}px;
    color: {p.text}; font-weight: 600;
}}

QTableView, QTreeView, QListView, QListWidget, QTextBrowser {{
    color: {p.text}; background: {p.surface}; alternate-background-color: {p.surface_alt};
    gridline-color: {p.divider}; border: 1px solid {p.border};
    selection-color: {p.on_selection}; selection-background-color: {p.selection};
}}
QTableView:focus, QTreeView:focus, QListView:focus, QListWidget:focus, QTextBrowser:focus {{
    border: 2px solid {p.focus};
}}
QHeaderView::section {{
    color: {p.text}; background: {p.surface_alt}; font-weight: 600;
    border: none; border-bottom: 1px solid {p.border}; padding: {SPACE_XS}px {SPACE_S}px;
}}
QTabBar::tab {{
    color: {p.text}; background: {p.surface_alt}; border: 1px solid {p.divider};
    padding: {SPACE_XS + 1}px {SPACE_M}px;
}}
QTabBar::tab:selected {{ background: {p.surface}; border-bottom: 2px solid {p.accent_text}; }}
QTabBar::tab:focus {{ border: 2px solid {p.focus}; }}

QListWidget#navigation_list_widget {{
    background: {p.surface_alt}; border: none; border-right: 1px solid {p.divider};
    padding: {SPACE_S}px 0;
    outline: 0;
}}
QListWidget#navigation_list_widget::item {{
    padding: {SPACE_S}px {SPACE_M}px; border-left: 3px solid transparent; color: {p.text};
}}
QListWidget#navigation_list_widget::item:selected {{
    color: {p.on_selection}; background: {p.selection}; border-left: 3px solid {p.accent_text};
    font-weight: 600;
}}
/* Focus: a ring on the current item, not an outline of the sidebar. On the selected item the
   ring takes the colour that reads on the selection (on_selection/selection, 4.5:1 or more). */
QListWidget#navigation_list_widget::item:focus {{
    border: 2px solid {p.focus}; border-left: 3px solid {p.focus};
}}
QListWidget#navigation_list_widget::item:selected:focus {{
    border: 2px solid {p.on_selection}; border-left: 3px solid {p.accent_text};
}}

QFrame#header_bar {{ background: {p.surface}; border-bottom: 1px solid {p.divider}; }}
QFrame#header_bar QLabel {{ background: transparent; }}
QFrame#summary_frame {{
    background: {p.surface}; border: 1px solid {p.divider}; border-radius: {RADIUS}px;
}}
QFrame#summary_frame QLabel {{ background: transparent; }}
QFrame#open_follow_ups_frame {{
    border: 2px solid {p.risk}; border-radius: {RADIUS}px; background: {p.surface};
}}
QFrame#open_follow_ups_frame QLabel {{ border: none; }}
QFrame#restore_draft_frame {{
    background: {p.surface_alt}; border: 1px solid {p.border}; border-radius: {RADIUS}px;
}}
QStatusBar {{ background: {p.surface_alt}; color: {p.text}; border-top: 1px solid {p.divider}; }}
QMenuBar {{ background: {p.surface_alt}; color: {p.text}; }}
QMenuBar::item:selected {{ background: {p.selection}; color: {p.on_selection}; }}
QMenu {{ background: {p.surface}; color: {p.text}; border: 1px solid {p.border}; }}
QMenu::item:selected {{ background: {p.selection}; color: {p.on_selection}; }}
QMenu::item:disabled {{ color: {p.disabled}; }}
QProgressBar {{
    border: 1px solid {p.border}; border-radius: {RADIUS}px; background: {p.surface};
    color: {p.text}; text-align: center;
}}
QProgressBar::chunk {{ background: {p.accent}; }}
QSplitter::handle {{ background: {p.divider}; }}
"""
