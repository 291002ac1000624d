"""Open GeoPackages in real QGIS and report, per layer, what QGIS shows: run with Debian's python3.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_check.py OUT.json FILE.gpkg... [--png-dir DIR]

Every layer QGIS finds in each file is opened as QGIS opens it (the default style of the
file's ``layer_styles`` table applied), and one JSON object per layer is written to OUT.json:
validity, geometry, feature count, renderer type and attribute, number of classes, legend
labels, features no class draws, field aliases, and for spatial layers how many pixels of a 400 × 400 rendering of the
layer's extent differ from the white background (the PNG goes to ``--png-dir``).  Used by
``tests/test_qgis.py``; it imports nothing from landuse, so it runs outside the venv.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def _renderer_info(layer) -> dict:
    renderer = layer.renderer()
    if renderer is None:
        return {"renderer": None, "classes": 0, "labels": [], "attribute": None}
    kind = renderer.type()
    if kind == "categorizedSymbol":
        classes, attribute = len(renderer.categories()), renderer.classAttribute()
    elif kind == "graduatedSymbol":
        classes, attribute = len(renderer.ranges()), renderer.classAttribute()
    elif kind == "RuleRenderer":
        classes, attribute = len(renderer.rootRule().descendants()), None
    else:
        classes, attribute = 1, None
    labels = [item.label() for item in renderer.legendSymbolItems()]
    # features no class of the renderer draws (a category value that never matches, a NULL)
    from qgis.core import QgsExpressionContext, QgsExpressionContextUtils, QgsRenderContext

    context = QgsRenderContext()
    context.setExpressionContext(QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer)))
    renderer = renderer.clone()
    renderer.startRender(context, layer.fields())
    unclassified = 0
    for feature in layer.getFeatures():
        context.expressionContext().setFeature(feature)
        unclassified += not renderer.willRenderFeature(feature, context)
    renderer.stopRender(context)
    colours = []
    for item in renderer.legendSymbolItems():
        symbol = item.symbol()
        colours.append(symbol.color().name() if symbol is not None else None)
    return {"renderer": kind, "classes": classes, "labels": labels, "attribute": attribute, "colours": colours,
            "unclassified": unclassified}


def _render(layer, png: Path | None) -> int:
    """Pixels of a 400 × 400 rendering of the layer's extent that are not the white background."""
    from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor, QImage

    extent = layer.extent()
    margin = max(extent.width(), extent.height()) * 0.05 or 1000.0
    extent.grow(margin)
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    settings.setOutputSize(QSize(400, 400))
    settings.setExtent(extent)
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage().convertToFormat(QImage.Format_ARGB32)
    if png is not None:
        image.save(str(png), "PNG")
    bits = image.constBits()
    bits.setsize(image.sizeInBytes())
    data = bytes(bits)
    white = b"\xff\xff\xff\xff"
    return sum(1 for i in range(0, len(data), 4) if data[i:i + 4] != white)


def check(paths: list[Path], png_dir: Path | None) -> list[dict]:
    from qgis.core import QgsProviderRegistry, QgsVectorLayer

    report = []
    for path in paths:
        for sub in QgsProviderRegistry.instance().querySublayers(str(path)):
            name = sub.name()
            layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
            entry = {"file": path.name, "layer": name, "valid": layer.isValid()}
            if layer.isValid():
                entry.update(spatial=layer.isSpatial(), features=layer.featureCount(),
                             geometry=layer.geometryType(), fields=[f.name() for f in layer.fields()],
                             aliases={f.name(): f.alias() for f in layer.fields() if f.alias()},
                             **_renderer_info(layer) if layer.isSpatial() else {"renderer": None})
                if layer.isSpatial():
                    png = png_dir / f"{path.stem}__{name}.png" if png_dir is not None else None
                    entry["drawn_pixels"] = _render(layer, png)
                    entry["png"] = str(png) if png is not None else None
            report.append(entry)
    return report


def main(argv: list[str]) -> None:
    png_dir = None
    if "--png-dir" in argv:
        i = argv.index("--png-dir")
        png_dir = Path(argv[i + 1])
        png_dir.mkdir(parents=True, exist_ok=True)
        argv = argv[:i] + argv[i + 2:]
    out, *files = argv
    from qgis.core import Qgis, QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    report = {"qgis": Qgis.version(), "layers": check([Path(f) for f in files], png_dir)}
    Path(out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    sys.stdout.flush()
    # QgsApplication.exitQgis() crashes PyQGIS 3.22 at interpreter exit: leave without teardown
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
