"""The demo's sample words: accounts, people, titles and the phrases a salesperson would type,
laid out as tables for reading. Stage, action and field names come from the playbook, not from here."""

# fmt: off
ACCOUNTS = (
    ("Brenner Logistik GmbH", "EUR"), ("Van Dijk Foods B.V.", "EUR"), ("Lumière Cosmétiques SA", "EUR"),
    ("Ibérica de Envases SL", "EUR"), ("Fratelli Conti Meccanica", "EUR"), ("Nordkap Energie AG", "EUR"),
    ("Aalto Paper Oy", "EUR"), ("Dublin Harbour Freight", "EUR"), ("Porto Têxteis Lda", "EUR"),
    ("Wiener Stadtwerke Digital", "EUR"), ("Antwerp Chemicals NV", "EUR"), ("Ljubljana Steel Works", "EUR"),
    ("Harrow & Finch Insurance", "GBP"), ("Calder Valley Water", "GBP"), ("Pennine Building Supplies", "GBP"),
    ("Thameside Health Trust", "GBP"), ("Clyde Marine Engineering", "GBP"), ("Oxford Lane Publishing", "GBP"),
    ("Bristol Aerostructures", "GBP"), ("Bluewater Freight Inc.", "USD"), ("Cascade Medical Devices", "USD"),
    ("Prairie Grain Cooperative", "USD"), ("Summit Ridge Bank", "USD"), ("Ironclad Manufacturing", "USD"),
    ("Lakeshore University Hospital", "USD"), ("Redwood Solar Partners", "USD"), ("Gulf Coast Terminals", "USD"),
    ("Mesa Verde Foods", "USD"), ("Hudson Valley Pharma", "USD"), ("Great Plains Rail", "USD"),
    ("Sierra Outdoor Retail", "USD"), ("Keystone Insurance Group", "USD"), ("Northgate Retail Ltd", "GBP"),
    ("Rheinland Automotive GmbH", "EUR"), ("Alpine Dairy Cooperative", "EUR"), ("Seine Hospitality Group", "EUR"),
    ("Cotswold Farm Machinery", "GBP"), ("Pacific Northwest Timber", "USD"),
)
OWNERS = ("ana.garcia", "ben.carter", "chloe.dubois", "dev.patel", "emma.schulz")
MANAGER = "sofia.lindqvist"
TITLES = (
    "Warehouse management rollout", "Fleet telematics", "Customer portal", "Data platform migration",
    "Field service app", "Predictive maintenance pilot", "ERP upgrade", "Security operations service",
    "Document management", "Procurement suite", "Plant scheduling (MES)", "Payroll outsourcing",
)
PEOPLE = (
    "Marta Ruiz", "Luis Vega", "Hannah Becker", "Tom Okafor", "Priya Nair", "Jonas Berg", "Claire Martin",
    "Sean Murphy", "Giulia Rossi", "Mark Howard", "Elena Petrova", "David Kim", "Sara Lind", "Omar Haddad",
)
PHRASES: dict[str, tuple[str, ...]] = {
    "position": ("IT manager", "head of operations", "procurement lead", "plant manager", "finance controller"),
    "summary": ("opening two sites next year", "board wants costs down 8%", "new CFO since spring",
                "replacing a legacy system out of support", "growth of 20% a year in exports"),
    "obstacle": ("manual scheduling", "data spread over five systems", "no visibility of stock in transit"),
    "impact": ("two lost shifts a week", "late deliveries cost 3% of revenue", "month-end close takes 12 days"),
    "outline": ("rollout in two phases, pilot site first", "managed service with a 24/7 desk"),
    "products": ("licences", "implementation", "training", "support plan", "integration"),
    "timing": ("before year end", "next quarter", "after the summer shutdown"),
    "competitor": ("Globex", "Initrode", "Vandelay Systems", "Hooli Enterprise"),
    "strengths": ("local support team", "references in their sector", "faster rollout"),
    "weaknesses": ("price", "fewer integrations", "smaller company"),
    "needs": ("reporting", "uptime", "integration with their ERP"),
    "plan": ("show the uptime record of two references", "offer a site visit to a reference customer"),
    "background": ("family-owned, 1,200 staff",), "challenges": ("growth without more headcount",),
    "solution": ("phased rollout with a pilot",), "credentials": ("40 rollouts in the sector",),
    "audience": ("operations director and two key users", "CFO, IT director and procurement"),
    "key_points": ("uptime", "time to value", "total cost", "integration", "support"),
    "outcome": ("positive, asked for references", "very satisfied", "wants a second phase"),
    "product": ("premium support", "extra site licences", "analytics module"),
    "criteria": ("uptime=99.9%", "response=4h", "price<=budget", "go-live<=6 months"),
}
# fmt: on
