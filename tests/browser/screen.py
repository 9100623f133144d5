"""What a shopper's screen shows, read from the page: whether an element is in view and tappable, how well each
text stands out from what is behind it, how large the fields' text is; and the buy form filled as a buyer does."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

# Whether an element lies wholly inside the viewport and is what a tap at its centre would reach
# (not hidden under the fixed buy bar or anything else).
ON_SCREEN_JS = """element => {
    const box = element.getBoundingClientRect();
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return {
        inside: box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight && box.right <= innerWidth,
        reachable: hit !== null && (hit === element || element.contains(hit)),
    };
}"""

# Every visible piece of text (an element's own text nodes, a filled field's value) with its colour and the
# colour behind it: the first opaque background up the tree, translucent layers composited on the way.
TEXT_COLOURS_JS = """() => {
    const rgba = css => {
        const match = css.match(/^rgba?\\(([^)]*)\\)$/);
        if (!match) throw new Error("unexpected colour " + css);
        const parts = match[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
        return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
    };
    const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
    const backdrop = element => {
        const layers = [];
        for (let node = element; node; node = node.parentElement) {
            const colour = rgba(getComputedStyle(node).backgroundColor);
            if (colour[3] > 0) layers.push(colour);
            if (colour[3] >= 1) break;
        }
        return layers.reverse().reduce((below, layer) => over(layer, below), [255, 255, 255, 1]);
    };
    const found = [];
    for (const element of document.body.querySelectorAll("*")) {
        const own = [...element.childNodes].filter(n => n.nodeType === Node.TEXT_NODE)
            .map(n => n.textContent.trim()).join("");
        const value = element.matches("input:not([type=hidden]), textarea, select") ? element.value : "";
        const style = getComputedStyle(element);
        if (!(own || value) || style.visibility !== "visible" || element.getClientRects().length === 0) continue;
        const behind = backdrop(element);
        found.push({
            text: (own || value).slice(0, 30),
            colour: over(rgba(style.color), behind).slice(0, 3),
            background: behind.slice(0, 3),
        });
    }
    return found;
}"""

FIELDS = "input:not([type=hidden]), textarea, select"


def on_screen(locator: Locator) -> dict[str, bool]:
    """Whether the element is wholly in the viewport, and whether a tap at its centre reaches it."""
    return locator.evaluate(ON_SCREEN_JS)


def relative_luminance(rgb: list[float]) -> float:
    """WCAG 2 relative luminance of an sRGB colour given as 0-255 channels."""

    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(channel) for channel in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: list[float], second: list[float]) -> float:
    """WCAG 2 contrast ratio of two colours, from 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colours(page: Page) -> list[dict]:
    """Every visible text on the page with its colour and the colour behind it."""
    return page.evaluate(TEXT_COLOURS_JS)


def too_faint(texts: list[dict]) -> list[tuple[str, float]]:
    """The texts below WCAG AA's 4.5:1, with their ratio."""
    ratios = [(text["text"], contrast_ratio(text["colour"], text["background"])) for text in texts]
    return [(text, round(ratio, 2)) for text, ratio in ratios if ratio < 4.5]


def field_font_sizes(page: Page) -> list[tuple[str, float]]:
    """Each field's name and font size in CSS pixels, in page order."""
    return page.locator(FIELDS).evaluate_all(
        "fields => fields.map(field => [field.name, parseFloat(getComputedStyle(field).fontSize)])"
    )


def fill_the_buy_form(page: Page, *, quantity: str, name: str, phone: str, address: str) -> None:
    """Type into the buy form's fields, found by their labels."""
    page.get_by_label("数量").fill(quantity)
    page.get_by_label("收货人").fill(name)
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("收货地址").fill(address)
