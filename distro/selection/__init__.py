"""The selection center (选品中心): ranked lists computed from sales and clicks, admin-curated collections, and the
printable selection sheet."""
