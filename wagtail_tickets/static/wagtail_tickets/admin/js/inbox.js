/* The inbox's bar for changing many tickets (wagtail_tickets.admin.inbox_bulk).
   Tick tickets, the page's box, or then "Select all matching the filter"; the bar sends the
   ticked ids (or "all" and the inbox's filters, which the server evaluates again) and the
   chosen change to a page that asks to confirm. The listing's rows are replaced when the
   filters change: the bar follows them. */
(() => {
    "use strict";
    const form = document.getElementById("wt-bulk-form");
    if (!form) {
        return;
    }
    const allInput = form.querySelector("[data-wt-bulk-all-input]");
    const number = form.querySelector("[data-wt-bulk-number]");
    const selectAll = form.querySelector("[data-wt-bulk-select-all]");
    const matching = form.querySelector("[data-wt-bulk-matching]");
    const selected = form.querySelector("[data-wt-bulk-selected]");
    const everything = form.querySelector("[data-wt-bulk-everything]");
    const boxes = () => Array.from(document.querySelectorAll("input.wt-bulk-select"));

    function setEverything(on) {
        allInput.disabled = !on;
        everything.hidden = !on;
        selected.hidden = on;
    }

    function update() {
        const all = boxes();
        const ticked = all.filter((box) => box.checked);
        const wholePage = all.length > 0 && ticked.length === all.length;
        const pageBox = document.querySelector("input.wt-bulk-select-page");
        if (pageBox) {
            pageBox.checked = wholePage;
            pageBox.indeterminate = ticked.length > 0 && !wholePage;
        }
        if (!wholePage) {
            setEverything(false);
        }
        number.textContent = String(ticked.length);
        const table = document.querySelector("table.wt-inbox");
        const count = table ? table.dataset.wtMatching || "" : "";
        const onPage = table ? Number(table.dataset.wtPageSize || 0) : 0;
        matching.textContent = count;
        const more = Number(count.replace(/\D/g, "")) > onPage;
        selectAll.hidden = !(wholePage && more && allInput.disabled);
        form.hidden = ticked.length === 0;
    }

    document.addEventListener("change", (event) => {
        const target = event.target;
        if (target.matches("input.wt-bulk-select-page")) {
            boxes().forEach((box) => {
                box.checked = target.checked;
            });
            update();
        } else if (target.matches("input.wt-bulk-select")) {
            update();
        }
    });
    selectAll.addEventListener("click", () => {
        setEverything(true);
        update();
    });
    form.querySelector("[data-wt-bulk-clear]").addEventListener("click", () => {
        boxes().forEach((box) => {
            box.checked = false;
        });
        setEverything(false);
        update();
    });
    form.addEventListener("submit", () => {
        // the inbox's view as the address bar has it (the listing keeps it there)
        form.elements.query.value = window.location.search.replace(/^\?/, "");
    });
    const results = document.getElementById("listing-results");
    if (results) {
        new MutationObserver(update).observe(results, { childList: true });
    }
    update();
})();
