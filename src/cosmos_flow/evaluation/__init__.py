"""metrics (PSNR, SSIM, ...) and baselines"""
