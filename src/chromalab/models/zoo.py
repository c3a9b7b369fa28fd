"""Every registered model variant, one literal line each (grep for a name to find its definition).

``register(name, config, recipe)``: the architecture config, and the name of the training recipe
(``training/recipe.py``) the variant trains with unless another is named. Sweep grids are listed at the end.
The shipped default's architecture is ``unet-effnet-lite0-global`` (recipe ``default-effnet-lite0``); its
three decoders are an export fact (``chromalab export`` joins three runs' decoders into one ensemble).
"""

from chromalab.models.autoencoder import AutoencoderConfig
from chromalab.models.backbones.lite0 import EfficientNetLiteConfig
from chromalab.models.backbones.resnet34 import SimilarityResNetConfig
from chromalab.models.effnet_unet import EffnetUnetConfig
from chromalab.models.gan import GanConfig
from chromalab.models.reference_net import ReferenceUNetConfig
from chromalab.models.router import PortraitRouterConfig  # noqa: F401  (registers the router's config kind)
from chromalab.models.variants import register

UNET_LEARNED = AutoencoderConfig(skips=True, upsample="learned")
UNET_INTERP = AutoencoderConfig(skips=True, upsample="interp")
PLAIN_LEARNED = AutoencoderConfig(skips=False, upsample="learned")
PLAIN_INTERP = AutoencoderConfig(skips=False, upsample="interp")

# The seed's four autoencoders
register("ae-unet-learned", UNET_LEARNED)
register("ae-unet-interp", UNET_INTERP)
register("ae-plain-learned", PLAIN_LEARNED)
register("ae-plain-interp", PLAIN_INTERP)

# The seed's twelve GANs: each autoencoder as generator × PatchGAN over the whole image (d0), 4×4 and 8×8 portions
register("gan-unet-learned-d0-w20", GanConfig(generator=UNET_LEARNED, discriminator="d0"), recipe="gan-w20")
register("gan-unet-learned-d4-w20", GanConfig(generator=UNET_LEARNED, discriminator="d4"), recipe="gan-w20")
register("gan-unet-learned-d8-w20", GanConfig(generator=UNET_LEARNED, discriminator="d8"), recipe="gan-w20")
register("gan-unet-interp-d0-w20", GanConfig(generator=UNET_INTERP, discriminator="d0"), recipe="gan-w20")
register("gan-unet-interp-d4-w20", GanConfig(generator=UNET_INTERP, discriminator="d4"), recipe="gan-w20")
register("gan-unet-interp-d8-w20", GanConfig(generator=UNET_INTERP, discriminator="d8"), recipe="gan-w20")
register("gan-plain-learned-d0-w20", GanConfig(generator=PLAIN_LEARNED, discriminator="d0"), recipe="gan-w20")
register("gan-plain-learned-d4-w20", GanConfig(generator=PLAIN_LEARNED, discriminator="d4"), recipe="gan-w20")
register("gan-plain-learned-d8-w20", GanConfig(generator=PLAIN_LEARNED, discriminator="d8"), recipe="gan-w20")
register("gan-plain-interp-d0-w20", GanConfig(generator=PLAIN_INTERP, discriminator="d0"), recipe="gan-w20")
register("gan-plain-interp-d4-w20", GanConfig(generator=PLAIN_INTERP, discriminator="d4"), recipe="gan-w20")
register("gan-plain-interp-d8-w20", GanConfig(generator=PLAIN_INTERP, discriminator="d8"), recipe="gan-w20")
# The default-best GAN (chosen a priori, docs/gan.md) with the other loss weights [adversarial, L1]
register("gan-unet-learned-d8-w1", GanConfig(generator=UNET_LEARNED, discriminator="d8"), recipe="gan-w1")
register("gan-unet-learned-d8-w35", GanConfig(generator=UNET_LEARNED, discriminator="d8"), recipe="gan-w35")
register("gan-unet-learned-d8-w50", GanConfig(generator=UNET_LEARNED, discriminator="d8"), recipe="gan-w50")

# The ImageNet-pretrained U-Net, and the shipped default's architecture: decoder widths 96…16 and a 64-channel
# global-feature branch (what the whole photo shows reaches every pixel)
register("unet-effnet-lite0", EffnetUnetConfig(), recipe="effnet")
register("unet-effnet-lite0-global", EffnetUnetConfig(decoder=(96, 64, 48, 32, 16), global_features=64),
         recipe="default-effnet-lite0")

# Reference-guided colorizers, and the similarity (feature) networks they match with
register("reference-unet", ReferenceUNetConfig(match="exact"), recipe="reference")
register("reference-unet-nowarp", ReferenceUNetConfig(match="none"), recipe="reference")  # ablation: no warped input
register("similarity-efficientnet-lite0-l", EfficientNetLiteConfig(pretrained=True, in_channels=1))
register("similarity-resnet34-rgb", SimilarityResNetConfig(in_channels=3), recipe="similarity")
register("similarity-resnet34-l", SimilarityResNetConfig(in_channels=1), recipe="similarity")

# Sweep grids (``chromalab sweep --grid NAME``)
SEED_AES = ["ae-unet-learned", "ae-unet-interp", "ae-plain-learned", "ae-plain-interp"]
SEED_GANS = [
    "gan-unet-learned-d0-w20", "gan-unet-learned-d4-w20", "gan-unet-learned-d8-w20",
    "gan-unet-interp-d0-w20", "gan-unet-interp-d4-w20", "gan-unet-interp-d8-w20",
    "gan-plain-learned-d0-w20", "gan-plain-learned-d4-w20", "gan-plain-learned-d8-w20",
    "gan-plain-interp-d0-w20", "gan-plain-interp-d4-w20", "gan-plain-interp-d8-w20",
]
DEFAULT_BEST_GAN = "gan-unet-learned-d8-w20"  # U-Net learned upsampling + finest grid, chosen a priori (docs/gan.md)
GAN_WEIGHT_VARIANTS = ["gan-unet-learned-d8-w1", "gan-unet-learned-d8-w35", "gan-unet-learned-d8-w50"]
GRIDS: dict[str, list[str]] = {
    "seed-ae": SEED_AES,  # the seed's four autoencoders
    "seed-gan": SEED_GANS,  # each autoencoder as generator × d0/d4/d8, loss weights [20, 80]
    "seed-gan-weights": GAN_WEIGHT_VARIANTS,  # the default-best GAN with the other loss weights
    "seed-all": SEED_AES + SEED_GANS + GAN_WEIGHT_VARIANTS,
}
